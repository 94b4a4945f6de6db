using System.Text.Json.Nodes;
using ControlApi.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace ControlApi.Tests.TestCluster.Support;

/// <summary>
/// Checks that every field of a JSON document is declared by an upstream schema (an OpenAPI 2
/// definition with <c>$ref</c>s, or a CRD's <c>openAPIV3Schema</c>), so the simulator never invents
/// a field name the real agent or controller does not have. Reads shared/reference in place.
/// </summary>
public static class SchemaFields
{
    public static string ReferencePath(params string[] relative)
    {
        var root = Environment.GetEnvironmentVariable("CONTROLAPI_REFERENCE_DIR");
        if (root is null && RepositoryRoot.TryFind() is { } repository) root = Path.Combine(repository, "..", "shared", "reference");
        return Path.GetFullPath(Path.Combine([root ?? throw new InvalidOperationException("shared/reference not found"), .. relative]));
    }

    public static JsonNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return ToJson(stream.Documents[0].RootNode)!;
    }

    /// <summary>The schema of one served version of a CRD file.</summary>
    public static JsonNode CrdSchema(string path) =>
        LoadYaml(path)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    /// <returns>Paths of fields the schema does not declare.</returns>
    public static IReadOnlyList<string> Undeclared(JsonNode? value, JsonNode schema, JsonNode? definitions = null, string path = "")
    {
        var problems = new List<string>();
        Walk(value, schema, definitions, path, problems);
        return problems;
    }

    private static void Walk(JsonNode? value, JsonNode schema, JsonNode? definitions, string path, List<string> problems)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
            schema = definitions![reference.Split('/')[^1]] ?? throw new InvalidOperationException($"unresolved {reference}");
        if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<string>() == "true") return;
        switch (value)
        {
            case JsonObject obj:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (name, child) in obj)
                {
                    var childSchema = properties?[name] ?? additional;
                    if (childSchema is null)
                    {
                        if (properties is not null || schema["type"]?.GetValue<string>() == "object") problems.Add($"{path}.{name}");
                        continue;
                    }
                    Walk(child, childSchema, definitions, $"{path}.{name}", problems);
                }
                break;
            case JsonArray array when schema["items"] is { } items:
                for (var i = 0; i < array.Count; i++) Walk(array[i], items, definitions, $"{path}[{i}]", problems);
                break;
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}
