using System.Text.Json.Nodes;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// Checks <c>x-kubernetes-list-type: set|map</c> (with <c>x-kubernetes-list-map-keys</c>), which
/// the API server enforces and JSON Schema cannot express: set items unique, map items unique by
/// their keys (and carrying them). Walks the original CRD schema alongside the instance.
/// </summary>
public static class ListTypeChecker
{
    public static IReadOnlyList<string> Check(JsonObject schema, JsonNode? instance)
    {
        var errors = new List<string>();
        Walk(schema, instance, "", errors);
        return errors;
    }

    private static void Walk(JsonObject schema, JsonNode? instance, string at, List<string> errors)
    {
        switch (instance)
        {
            case JsonObject obj:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (name, value) in obj)
                {
                    if (properties?[name] is JsonObject property) Walk(property, value, $"{at}/{name}", errors);
                    else if (additional is not null) Walk(additional, value, $"{at}/{name}", errors);
                }
                break;
            case JsonArray array:
                var listType = schema["x-kubernetes-list-type"]?.GetValue<string>();
                if (listType == "set")
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var item in array)
                        if (!seen.Add(item?.ToJsonString() ?? "null")) errors.Add($"{at}: duplicate item {item?.ToJsonString()} in a list-type set");
                }
                else if (listType == "map")
                {
                    var keys = schema["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var item in array)
                    {
                        var identity = string.Join("\u0000", keys.Select(k => item?[k]?.ToJsonString() ?? ""));
                        if (!seen.Add(identity)) errors.Add($"{at}: two items share the map key(s) {string.Join(",", keys)} = {identity.Replace('\u0000', ',')}");
                    }
                }
                if (schema["items"] is JsonObject items)
                    for (var i = 0; i < array.Count; i++) Walk(items, array[i], $"{at}/{i}", errors);
                break;
        }
        foreach (var combinator in new[] { "allOf", "anyOf", "oneOf" })
            if (schema[combinator] is JsonArray branches)
                foreach (var branch in branches.OfType<JsonObject>()) Walk(branch, instance, at, errors);
    }
}
