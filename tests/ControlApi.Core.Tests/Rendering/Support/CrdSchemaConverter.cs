using System.Text.Json.Nodes;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// Turns one served version of a CustomResourceDefinition's <c>openAPIV3Schema</c> into a JSON
/// Schema (2020-12) that accepts exactly what the API server would store unchanged:
/// <list type="bullet">
/// <item><c>nullable: true</c> (OpenAPI 3.0) becomes a <c>"null"</c> type (and enum member);</item>
/// <item><c>x-kubernetes-int-or-string</c> becomes <c>anyOf</c> integer/string;</item>
/// <item><c>format: int32/int64</c> become numeric bounds (JSON Schema treats formats as annotations);</item>
/// <item>objects with a fixed shape get <c>additionalProperties: false</c> unless
/// <c>x-kubernetes-preserve-unknown-fields</c>: the API server would silently prune an unknown
/// field, so a misspelt key would be lost without an error — the test treats it as one;</item>
/// <item><c>x-kubernetes-validations</c> (CEL) are translated by <see cref="CelRuleTranslations"/>;</item>
/// <item>list types (<c>set</c>/<c>map</c>) are checked by <see cref="ListTypeChecker"/>, outside JSON Schema;</item>
/// <item>the root pins <c>apiVersion</c> and <c>kind</c> and replaces the CRD's free-form
/// <c>metadata</c> with a minimal ObjectMeta check (name, namespace by scope, labels, annotations).</item>
/// </list>
/// Any keyword not understood here throws, so a new upstream construct cannot pass unnoticed.
/// </summary>
public static class CrdSchemaConverter
{
    public sealed record Converted(string ApiVersion, string Kind, bool Namespaced, JsonObject Schema, JsonObject OriginalSchema);

    private static readonly HashSet<string> CopiedKeywords = new(StringComparer.Ordinal)
    {
        "type", "enum", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
        "required", "default", "description", "title", "example", "multipleOf",
    };

    private static readonly HashSet<string> ListKeywords = new(StringComparer.Ordinal)
    {
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
    };

    public static Converted Convert(string crdYaml, string version)
    {
        var crd = YamlJson.ParseDocuments(crdYaml).OfType<JsonObject>().Single();
        var spec = crd["spec"]!.AsObject();
        var group = spec["group"]!.GetValue<string>();
        var kind = spec["names"]!["kind"]!.GetValue<string>();
        var namespaced = spec["scope"]!.GetValue<string>() == "Namespaced";
        var served = spec["versions"]!.AsArray().OfType<JsonObject>()
            .SingleOrDefault(v => v["name"]!.GetValue<string>() == version)
            ?? throw new InvalidOperationException($"{kind} has no version {version}.");
        if (served["served"]?.GetValue<bool>() != true) throw new InvalidOperationException($"{kind} {version} is not served.");

        var original = served["schema"]!["openAPIV3Schema"]!.AsObject();
        var schema = ConvertNode(original, $"{kind}/{version}");
        var properties = schema["properties"]!.AsObject();
        var apiVersion = $"{group}/{version}";
        properties["apiVersion"] = new JsonObject { ["const"] = apiVersion };
        properties["kind"] = new JsonObject { ["const"] = kind };
        properties["metadata"] = ObjectMeta(namespaced);
        var required = schema["required"] as JsonArray ?? [];
        foreach (var name in new[] { "apiVersion", "kind", "metadata" })
            if (!required.Any(r => r!.GetValue<string>() == name)) required.Add(name);
        schema["required"] = required;
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        return new Converted(apiVersion, kind, namespaced, schema, original);
    }

    /// <summary>ObjectMeta as far as a rendered manifest uses it; names as Kubernetes validates them.</summary>
    public static JsonObject ObjectMeta(bool namespaced)
    {
        var properties = new JsonObject
        {
            ["name"] = new JsonObject { ["type"] = "string", ["maxLength"] = 253, ["pattern"] = Rfc1123Subdomain },
            ["labels"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string", ["maxLength"] = 63 } },
            ["annotations"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
        };
        if (namespaced)
            properties["namespace"] = new JsonObject { ["type"] = "string", ["maxLength"] = 63, ["pattern"] = Rfc1123Label };
        return new JsonObject
        {
            ["type"] = "object",
            ["required"] = namespaced ? new JsonArray("name", "namespace") : new JsonArray("name"),
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
    }

    public const string Rfc1123Label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string Rfc1123Subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    private static JsonObject ConvertNode(JsonObject source, string where)
    {
        var result = new JsonObject();
        var allOf = new JsonArray();
        var nullable = false;
        var preserveUnknown = false;

        foreach (var (keyword, value) in source)
        {
            switch (keyword)
            {
                case "properties":
                    var properties = new JsonObject();
                    foreach (var (name, child) in value!.AsObject())
                        properties[name] = ConvertNode(child!.AsObject(), $"{where}.{name}");
                    result["properties"] = properties;
                    break;
                case "items":
                    result["items"] = ConvertNode(value!.AsObject(), $"{where}[]");
                    break;
                case "additionalProperties":
                    result["additionalProperties"] = value is JsonObject obj ? ConvertNode(obj, $"{where}{{}}") : value!.DeepClone();
                    break;
                case "allOf" or "anyOf" or "oneOf":
                    result[keyword] = new JsonArray(value!.AsArray().Select(s => (JsonNode)ConvertNode(s!.AsObject(), where)).ToArray());
                    break;
                case "not":
                    result["not"] = ConvertNode(value!.AsObject(), where);
                    break;
                case "nullable":
                    nullable = value!.GetValue<bool>();
                    break;
                case "x-kubernetes-preserve-unknown-fields":
                    preserveUnknown = value!.GetValue<bool>();
                    break;
                case "x-kubernetes-int-or-string":
                    if (value!.GetValue<bool>())
                        allOf.Add(new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }) });
                    break;
                case "x-kubernetes-validations":
                    foreach (var rule in value!.AsArray())
                        allOf.Add(CelRuleTranslations.Translate(rule!["rule"]!.GetValue<string>()));
                    break;
                case var k when ListKeywords.Contains(k):
                    break; // checked by ListTypeChecker on the original schema
                case var k when CopiedKeywords.Contains(k):
                    result[k] = value?.DeepClone();
                    break;
                default:
                    throw new NotSupportedException($"{where}: CRD schema keyword '{keyword}' is not handled by the conversion.");
            }
        }

        if (source["format"]?.GetValue<string>() is "int32" or "int64" && source["type"]?.GetValue<string>() == "integer")
        {
            var (min, max) = source["format"]!.GetValue<string>() == "int32" ? ((long)int.MinValue, (long)int.MaxValue) : (long.MinValue, long.MaxValue);
            result["minimum"] ??= min;
            result["maximum"] ??= max;
        }

        var isObject = source["type"]?.GetValue<string>() == "object";
        if (isObject && !preserveUnknown && !source.ContainsKey("additionalProperties"))
            result["additionalProperties"] = false;

        if (nullable)
        {
            if (result["type"] is JsonValue type) result["type"] = new JsonArray(type.GetValue<string>(), "null");
            if (result["enum"] is JsonArray values && !values.Any(v => v is null)) values.Add(null);
        }
        if (allOf.Count > 0)
        {
            if (result["allOf"] is JsonArray existing) foreach (var item in allOf.ToArray()) { allOf.Remove(item); existing.Add(item); }
            else result["allOf"] = allOf;
        }
        return result;
    }
}
