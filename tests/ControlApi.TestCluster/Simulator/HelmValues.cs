using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// Helm values as the chart templates see them: a tree read by dotted path, with Go-template
/// truthiness (<c>false</c>, <c>0</c>, <c>""</c>, empty map/list and missing are false).
/// </summary>
public sealed class HelmValues(JsonObject root)
{
    public JsonObject Root { get; } = root;

    public JsonNode? this[string path] =>
        path.Split('.').Aggregate<string, JsonNode?>(Root, (node, key) => node is JsonObject o ? o[key] : null);

    public bool Has(string path) => this[path] is not null;

    public bool IsTrue(string path) => this[path] switch
    {
        null => false,
        JsonObject o => o.Count > 0,
        JsonArray a => a.Count > 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue v when v.TryGetValue<double>(out var d) => d != 0,
        _ => true,
    };

    /// <summary>Helm's <c>toString</c> / <c>quote</c> of a scalar: booleans as <c>true</c>/<c>false</c>, null as null.</summary>
    public string? Text(string path) => this[path] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
        { } other => other.ToJsonString(),
    };

    /// <summary>What helm-controller records as <c>configDigest</c>: sha256 over the values, stable under key order.</summary>
    public string Digest()
    {
        var canonical = Canonical(Root)!.ToJsonString();
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static HelmValues Empty() => new(new JsonObject());

    /// <summary>Reads a YAML mapping (e.g. a HelmRelease's <c>spec.values</c>) into JSON with YAML 1.1 scalars resolved as Helm does.</summary>
    public static JsonNode? FromYaml(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", FromYaml(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(FromYaml).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
            return JsonValue.Create(text);
        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && text.Contains('.') => JsonValue.Create(d),
            _ => JsonValue.Create(text),
        };
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };
}
