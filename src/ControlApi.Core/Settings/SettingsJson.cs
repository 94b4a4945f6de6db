using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlApi.Core.Settings;

/// <summary>
/// The one JSON contract of <see cref="CiliumSettings"/>: camelCase, enum strings as Cilium and
/// Kubernetes spell them, unknown members, duplicates, wrong types and <c>null</c> for a
/// non-nullable member refused (SPEC §2: never silently dropped).
/// </summary>
public static class SettingsJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            RespectNullableAnnotations = true,
            NumberHandling = JsonNumberHandling.Strict,
            ReadCommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            MaxDepth = 16,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Parses settings, turning every JSON problem into a pointer and a readable message.</summary>
    public static SettingsParseResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var settings = JsonSerializer.Deserialize<CiliumSettings>(utf8Json, Options);
            return settings is null
                ? SettingsParseResult.Fail("", "The body must be a JSON object with the Cilium settings, not null.")
                : SettingsParseResult.Ok(Canonical(settings));
        }
        catch (JsonException ex)
        {
            return SettingsParseResult.Fail(ToPointer(ex.Path), Describe(ex));
        }
    }

    public static SettingsParseResult Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// The same wish in one spelling: <c>extraValues</c> keys sorted at every level (Helm merges maps
    /// by key, so their order means nothing), so equal settings serialize to equal bytes.
    /// </summary>
    public static CiliumSettings Canonical(CiliumSettings settings) =>
        settings with { ExtraValues = SortKeys(settings.ExtraValues) };

    private static JsonElement SortKeys(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) WriteSorted(writer, element);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>Canonical compact form: the same settings always give the same bytes.</summary>
    public static string Serialize(CiliumSettings settings) => JsonSerializer.Serialize(settings, Options);

    public static JsonElement ToElement(CiliumSettings settings) => JsonSerializer.SerializeToElement(settings, Options);

    /// <summary>Two settings are the same wish when their canonical JSON is the same.</summary>
    public static bool SameAs(this CiliumSettings left, CiliumSettings right) => Serialize(left) == Serialize(right);

    /// <summary>Converts System.Text.Json's <c>$.a.b[0].c</c> path into an RFC 6901 pointer <c>/a/b/0/c</c>.</summary>
    public static string ToPointer(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$") return "";
        var builder = new System.Text.StringBuilder();
        var path = jsonPath.StartsWith('$') ? jsonPath[1..] : jsonPath;
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                builder.Append('/').Append(Escape(path[(i + 1)..end]));
                i = end;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0) break;
                var inner = path[(i + 1)..close].Trim('\'');
                builder.Append('/').Append(Escape(inner));
                i = close + 1;
            }
            else
            {
                i++;
            }
        }
        return builder.ToString();
    }

    private static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");

    // System.Text.Json's messages name .NET types; users need the member and what is expected.
    private static string Describe(JsonException ex)
    {
        var pointer = ToPointer(ex.Path);
        var where = pointer.Length == 0 ? "the body" : $"'{pointer}'";
        var message = ex.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var name = ExtractQuoted(message) ?? pointer;
            return $"Unknown member '{name}' in {where}: it is not a Cilium setting ControlApi knows. Remove it or check its spelling.";
        }
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
            return $"A member appears twice in {where}; give each member once.";
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase))
            return $"{where} cannot be null; omit it to take the default.";
        if (message.Contains("could not be converted", StringComparison.Ordinal))
            return $"{where} has the wrong type or an unknown value; see the settings schema in /openapi/v1.json.";
        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
            return "The body nests too deeply to be Cilium settings.";
        return $"The body is not valid JSON near {where}: {FirstSentence(message)}";
    }

    private static string? ExtractQuoted(string message)
    {
        var start = message.IndexOf('\'');
        if (start < 0) return null;
        var end = message.IndexOf('\'', start + 1);
        return end < 0 ? null : message[(start + 1)..end];
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>Either settings or the first JSON problem found, with where it is.</summary>
public sealed record SettingsParseResult(CiliumSettings? Settings, string? Pointer, string? Error)
{
    public bool Succeeded => Settings is not null;
    public static SettingsParseResult Ok(CiliumSettings settings) => new(settings, null, null);
    public static SettingsParseResult Fail(string pointer, string error) => new(null, pointer, error);
}
