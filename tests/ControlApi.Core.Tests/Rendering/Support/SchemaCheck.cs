using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>A JSON Schema built with JsonSchema.Net in its own registry, evaluated with every error listed.</summary>
public sealed class SchemaCheck
{
    private readonly JsonSchema _schema;

    public string Name { get; }

    public SchemaCheck(string name, JsonNode schema, Uri baseUri)
    {
        Name = name;
        // A registry per schema: several variants of one upstream schema must not collide by $id.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        _schema = JsonSchema.Build(JsonSerializer.SerializeToElement(schema), options, baseUri);
    }

    /// <summary>All errors, as "instance location: message (schema location)"; empty when valid.</summary>
    public IReadOnlyList<string> Errors(JsonNode? instance)
    {
        var element = JsonSerializer.SerializeToElement(instance);
        var results = _schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return [];
        var errors = new List<string>();
        Collect(results, errors);
        if (errors.Count == 0) CollectFailures(results, errors); // e.g. oneOf with two passing branches carries no message
        return errors.Count > 0 ? errors : [$"{Name}: invalid (no detail reported)"];
    }

    public void AssertValid(JsonNode? instance, string what)
    {
        var errors = Errors(instance);
        Assert.True(errors.Count == 0,
            $"{what} does not validate against {Name}:\n  {string.Join("\n  ", errors.Take(20))}\n--- instance ---\n{instance?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
    }

    private static void CollectFailures(EvaluationResults results, List<string> errors)
    {
        if (!results.IsValid) errors.Add($"{results.InstanceLocation}: fails {results.EvaluationPath}");
        if (results.Details is { } details)
            foreach (var detail in details) CollectFailures(detail, errors);
    }

    private static void Collect(EvaluationResults results, List<string> errors)
    {
        if (results.Errors is { } own)
            foreach (var (keyword, message) in own)
                errors.Add($"{results.InstanceLocation}: {keyword}: {message} (at {results.EvaluationPath})");
        if (results.Details is { } details)
            foreach (var detail in details) Collect(detail, errors);
    }
}
