using System.Text.Json;
using ControlApi.Core.Rendering.Yaml;
using Json.Schema;

namespace ControlApi.Core.Charts;

/// <summary>One problem the chart's values schema finds, at a path inside the values.</summary>
public sealed record ValuesSchemaError(IReadOnlyList<string> Path, string Message);

/// <summary>
/// What ControlApi needs to know of one version of the Cilium chart: its <c>values.schema.json</c>
/// (to check free-form values the way <c>helm install</c> would) and its <c>values.yaml</c> (the
/// defaults a release's values are merged over). The service loads them from the chart archive;
/// Core only reads them.
/// </summary>
public sealed class ChartDefinition
{
    private readonly Lazy<JsonSchema?> _schema;

    public ChartDefinition(string name, string version, string? valuesSchemaJson, string valuesYaml)
    {
        Name = name;
        Version = version;
        ValuesSchemaJson = valuesSchemaJson;
        var documents = YamlReader.ReadDocuments(valuesYaml);
        Defaults = documents.Count > 0 && documents[0] is YamlMap map ? map : new YamlMap();
        _schema = new Lazy<JsonSchema?>(() => valuesSchemaJson is null
            ? null
            // A registry per chart: two versions of one schema must not collide by $id.
            : JsonSchema.Build(JsonDocument.Parse(valuesSchemaJson).RootElement,
                new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                new Uri($"https://controlapi.invalid/charts/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}/values.schema.json")));
    }

    public string Name { get; }
    public string Version { get; }
    public string? ValuesSchemaJson { get; }

    /// <summary>The chart's values.yaml: what a value the release does not set is.</summary>
    public YamlMap Defaults { get; }

    /// <summary>Whether the chart ships a schema (Helm checks values only when it does).</summary>
    public bool HasSchema => ValuesSchemaJson is not null;

    /// <summary>Every problem the schema finds in <paramref name="values"/>, each at its path; empty when valid or schemaless.</summary>
    public IReadOnlyList<ValuesSchemaError> Check(JsonElement values)
    {
        if (_schema.Value is not { } schema) return [];
        var results = schema.Evaluate(values, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return [];
        var errors = new List<ValuesSchemaError>();
        Collect(results, errors);
        if (errors.Count == 0) errors.Add(new ValuesSchemaError([], "The values do not match the chart's values.schema.json."));
        return errors.DistinctBy(e => (string.Join('\u0000', e.Path), e.Message)).ToList();
    }

    private static void Collect(EvaluationResults results, List<ValuesSchemaError> into)
    {
        if (results.Errors is { } own)
        {
            var path = Segments(results.InstanceLocation.ToString());
            foreach (var (_, message) in own) into.Add(new ValuesSchemaError(path, message));
        }
        if (results.Details is { } details)
            foreach (var detail in details) Collect(detail, into);
    }

    private static IReadOnlyList<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : pointer.TrimStart('#').TrimStart('/').Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToArray();
}
