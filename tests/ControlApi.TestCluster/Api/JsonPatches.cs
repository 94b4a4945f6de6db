using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// The PATCH bodies the real server accepts: JSON merge patch (RFC 7396), JSON patch (RFC 6902)
/// and strategic merge patch. Strategic merge is applied as a merge patch (lists are replaced, not
/// merged by key): enough for the metadata patches ControlApi sends, and documented as the one
/// simplification.
/// </summary>
public static class JsonPatches
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    public static JsonObject Apply(JsonObject target, string? contentType, string body)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ApiException(ApiStatus.BadRequest($"error decoding patch: {e.Message}"));
        }

        return mediaType switch
        {
            MergePatch or StrategicMergePatch => patch is JsonObject patchObject
                ? (JsonObject)Merge(target, patchObject)!
                : throw new ApiException(ApiStatus.BadRequest("a merge patch must be a JSON object")),
            JsonPatch => patch is JsonArray operations
                ? ApplyOperations(target, operations)
                : throw new ApiException(ApiStatus.BadRequest("a JSON patch must be an array of operations")),
            _ => throw new ApiException(ApiStatus.UnsupportedMediaType(contentType)),
        };
    }

    /// <summary>RFC 7396: objects merge member by member, <c>null</c> deletes, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null) result.Remove(name);
            else result[name] = Merge(result[name], value);
        }
        return result;
    }

    private static JsonObject ApplyOperations(JsonObject target, JsonArray operations)
    {
        JsonNode document = target.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]?.GetValue<string>();
            var path = operation["path"]?.GetValue<string>() ?? throw new ApiException(ApiStatus.BadRequest("JSON patch operation without path"));
            switch (op)
            {
                case "add": Add(document, path, operation["value"]?.DeepClone()); break;
                case "remove": Remove(document, path); break;
                case "replace": Remove(document, path); Add(document, path, operation["value"]?.DeepClone()); break;
                case "test":
                    if (!JsonNode.DeepEquals(Find(document, path), operation["value"]))
                        throw new ApiException(new ApiStatus(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed"));
                    break;
                case "move":
                {
                    var from = operation["from"]!.GetValue<string>();
                    var value = Find(document, from)?.DeepClone();
                    Remove(document, from);
                    Add(document, path, value);
                    break;
                }
                case "copy": Add(document, path, Find(document, operation["from"]!.GetValue<string>())?.DeepClone()); break;
                default: throw new ApiException(ApiStatus.BadRequest($"Unexpected kind: {op}"));
            }
        }
        return document.AsObject();
    }

    private static (JsonNode Parent, string Token) Parent(JsonNode document, string path)
    {
        var tokens = path.Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
        if (tokens.Length == 0) throw new ApiException(ApiStatus.BadRequest("JSON patch cannot replace the whole document"));
        var parent = tokens[..^1].Aggregate<string, JsonNode?>(document, Step)
            ?? throw new ApiException(new ApiStatus(422, "Invalid", $"doc is missing path: \"{path}\""));
        return (parent, tokens[^1]);
    }

    private static JsonNode? Step(JsonNode? node, string token) => node switch
    {
        JsonObject o => o[token],
        JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode? Find(JsonNode document, string path) =>
        path.Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~")).Aggregate<string, JsonNode?>(document, Step);

    private static void Add(JsonNode document, string path, JsonNode? value)
    {
        var (parent, token) = Parent(document, path);
        switch (parent)
        {
            case JsonObject o: o[token] = value; break;
            case JsonArray a when token == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(token, out var i) && i >= 0 && i <= a.Count: a.Insert(i, value); break;
            default: throw new ApiException(new ApiStatus(422, "Invalid", $"doc is missing path: \"{path}\""));
        }
    }

    private static void Remove(JsonNode document, string path)
    {
        var (parent, token) = Parent(document, path);
        var removed = parent switch
        {
            JsonObject o => o.Remove(token),
            JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed) throw new ApiException(new ApiStatus(422, "Invalid", $"doc is missing path: \"{path}\""));
    }

    private static bool RemoveAt(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }
}
