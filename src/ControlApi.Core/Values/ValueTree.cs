using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Values;

/// <summary>
/// Free-form value trees (Helm values, Talos patches) between their two spellings — JSON in the
/// settings, <see cref="YamlValue"/> in rendered files — and the leaf view that comparisons use.
/// </summary>
public static class ValueTree
{
    /// <summary>JSON to YAML types: integral numbers stay integers, other numbers keep their JSON text.</summary>
    public static YamlValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => FromJsonObject(element),
        JsonValueKind.Array => new YamlList(element.EnumerateArray().Select(FromJson).ToArray()),
        JsonValueKind.String => YamlValue.String(element.GetString()!),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? YamlValue.Int(integer) : YamlValue.Float(element.GetRawText()),
        JsonValueKind.True => YamlValue.Bool(true),
        JsonValueKind.False => YamlValue.Bool(false),
        JsonValueKind.Null => YamlValue.Null,
        _ => throw new ArgumentOutOfRangeException(nameof(element), element.ValueKind, "Not a JSON value."),
    };

    private static YamlMap FromJsonObject(JsonElement element)
    {
        var map = new YamlMap();
        foreach (var property in element.EnumerateObject()) map.Add(property.Name, FromJson(property.Value));
        return map;
    }

    /// <summary>YAML to JSON, the way the API server stores a HelmRelease's values.</summary>
    public static JsonElement ToJson(YamlValue value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, value);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter writer, YamlValue value)
    {
        switch (value)
        {
            case YamlMap map:
                writer.WriteStartObject();
                foreach (var (key, item) in map.Entries)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }
                writer.WriteEndObject();
                break;
            case YamlList list:
                writer.WriteStartArray();
                foreach (var item in list.Items) Write(writer, item);
                writer.WriteEndArray();
                break;
            case YamlScalar { Kind: ScalarKind.String } s: writer.WriteStringValue(s.Text); break;
            case YamlScalar { Kind: ScalarKind.Boolean } s: writer.WriteBooleanValue(s.Text == "true"); break;
            case YamlScalar { Kind: ScalarKind.Integer } s: writer.WriteNumberValue(long.Parse(s.Text, CultureInfo.InvariantCulture)); break;
            case YamlScalar { Kind: ScalarKind.Float } s: writer.WriteRawValue(JsonFloat(s.Text)); break;
            case YamlScalar { Kind: ScalarKind.Null }: writer.WriteNullValue(); break;
            default: throw new ArgumentOutOfRangeException(nameof(value), value.GetType().Name, "Unknown YAML value.");
        }
    }

    // YAML allows ".5" and "1." where JSON does not; the number is the same.
    private static string JsonFloat(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? (text.StartsWith('.') || text.StartsWith("-.") || text.StartsWith("+.") || text.EndsWith('.') || text.StartsWith('+')
                ? number.ToString("R", CultureInfo.InvariantCulture)
                : text)
            : throw new FormatException($"'{text}' is not a finite number.");

    /// <summary>
    /// <paramref name="over"/> laid over <paramref name="under"/>: maps merge key by key, anything
    /// else in <paramref name="over"/> replaces what is under it — Helm's rule for values over chart defaults.
    /// </summary>
    public static YamlMap Merge(YamlMap under, YamlMap over)
    {
        var merged = new YamlMap();
        foreach (var (key, value) in under.Entries)
        {
            var top = over[key];
            merged.Add(key, top switch
            {
                null => value,
                YamlMap topMap when value is YamlMap underMap => Merge(underMap, topMap),
                _ => top,
            });
        }
        foreach (var (key, value) in over.Entries)
            if (under[key] is null) merged.Add(key, value);
        return merged;
    }

    /// <summary>
    /// Every leaf by its path (<see cref="ValuePath"/>): scalars, lists (compared whole — a list of
    /// tolerations is one value) and empty maps. A map's own path is not a leaf.
    /// </summary>
    public static SortedDictionary<string, YamlValue> Leaves(YamlMap map)
    {
        var leaves = new SortedDictionary<string, YamlValue>(StringComparer.Ordinal);
        Walk(map, [], leaves);
        return leaves;
    }

    private static void Walk(YamlMap map, List<string> prefix, SortedDictionary<string, YamlValue> into)
    {
        if (map.Count == 0 && prefix.Count > 0)
        {
            into[ValuePath.Join(prefix)] = map;
            return;
        }
        foreach (var (key, value) in map.Entries)
        {
            prefix.Add(key);
            if (value is YamlMap child) Walk(child, prefix, into);
            else into[ValuePath.Join(prefix)] = value;
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    /// <summary>The value at a path, or null when any step is missing.</summary>
    public static YamlValue? Lookup(YamlMap map, IReadOnlyList<string> segments)
    {
        YamlValue? current = map;
        foreach (var segment in segments)
        {
            if (current is not YamlMap step) return null;
            current = step[segment];
        }
        return current;
    }

    /// <summary>Compact JSON of a value, as change lists and reports show it.</summary>
    public static string Display(YamlValue? value) => value is null ? "(unset)" : ToJson(value).GetRawText();

    /// <summary>Whether two trees mean the same (key order does not matter; list order does).</summary>
    public static bool SameValue(YamlValue? left, YamlValue? right) => (left, right) switch
    {
        (null, null) => true,
        (YamlMap a, YamlMap b) => a.Count == b.Count && a.Entries.All(e => SameValue(e.Value, b[e.Key])),
        (YamlList a, YamlList b) => a.Items.Count == b.Items.Count && a.Items.Zip(b.Items).All(p => SameValue(p.First, p.Second)),
        (YamlScalar { Kind: ScalarKind.Float } a, YamlScalar { Kind: ScalarKind.Float or ScalarKind.Integer } b) => SameNumber(a.Text, b.Text),
        (YamlScalar { Kind: ScalarKind.Integer } a, YamlScalar { Kind: ScalarKind.Float } b) => SameNumber(a.Text, b.Text),
        (YamlScalar a, YamlScalar b) => a.Kind == b.Kind && a.Text == b.Text,
        _ => false,
    };

    private static bool SameNumber(string a, string b) =>
        double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
        && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
        && x.Equals(y);
}

/// <summary>
/// Dotted paths into a value tree as Helm's <c>--set</c> writes them: segments joined by <c>.</c>,
/// a dot inside a key escaped as <c>\.</c> (<c>hubble.ui.service.annotations.external-dns\.alpha\.kubernetes\.io/hostname</c>).
/// </summary>
public static class ValuePath
{
    public static string Join(IEnumerable<string> segments) =>
        string.Join('.', segments.Select(s => s.Replace("\\", "\\\\").Replace(".", "\\.")));

    public static IReadOnlyList<string> Split(string path)
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\' && i + 1 < path.Length) { current.Append(path[++i]); continue; }
            if (c == '.') { segments.Add(current.ToString()); current.Clear(); continue; }
            current.Append(c);
        }
        segments.Add(current.ToString());
        return segments;
    }

    /// <summary>The RFC 6901 pointer of a path under a JSON member, e.g. <c>/extraValues/operator/replicas</c>.</summary>
    public static string ToPointer(string root, IEnumerable<string> segments) =>
        root + string.Concat(segments.Select(s => "/" + s.Replace("~", "~0").Replace("/", "~1")));

    /// <summary>True when <paramref name="prefix"/> is <paramref name="path"/> or one of its ancestors.</summary>
    public static bool IsPrefixOf(IReadOnlyList<string> prefix, IReadOnlyList<string> path) =>
        prefix.Count <= path.Count && prefix.Zip(path).All(p => p.First == p.Second);
}
