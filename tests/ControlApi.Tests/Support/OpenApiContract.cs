extern alias JsonEverything;

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JsonEverything::Json.Schema;

namespace ControlApi.Tests.Support;

/// <summary>
/// The service's OpenAPI document as a contract an answer can be checked against: the operation a
/// method and path belong to, whether it documents the status, and whether the body validates against
/// the response schema (JSON Schema 2020-12, as OpenAPI 3.1 schemas are; $refs resolve into components).
/// </summary>
public sealed class OpenApiContract
{
    private const string ComponentsPrefix = "#/components/schemas/";
    private readonly JsonObject _document;
    private readonly List<(string Template, Regex Pattern)> _paths;

    public OpenApiContract(JsonNode document)
    {
        _document = document.AsObject();
        _paths = _document["paths"]!.AsObject()
            .Select(p => (p.Key, new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$")))
            // Literal segments win over parameters: /audit/export is not /audit/{id}.
            .OrderBy(p => p.Key.Count(c => c == '{'))
            .ToList();
    }

    /// <summary>Every way <paramref name="response"/> departs from the document; empty when it conforms.</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(string method, string path, HttpResponseMessage response, bool readBody = true)
    {
        var template = _paths.FirstOrDefault(p => p.Pattern.IsMatch(path)).Template;
        if (template is null) return [$"no path of the document matches {path}"];
        if (_document["paths"]![template]![method.ToLowerInvariant()] is not JsonObject operation)
            return [$"{template} has no {method} operation"];

        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var responses = operation["responses"]!.AsObject();
        var documented = responses[status] ?? responses[status[0] + "XX"] ?? responses["default"];
        if (documented is null)
            return [$"{method} {template} answered {status}, which the document does not list (it lists {string.Join(", ", responses.Select(r => r.Key))})"];

        var errors = new List<string>();
        foreach (var header in (documented["headers"] as JsonObject ?? []).Where(h => h.Value?["required"]?.GetValue<bool>() == true))
            if (!response.Headers.Contains(header.Key) && !response.Content.Headers.Contains(header.Key))
                errors.Add($"{status}: required header {header.Key} missing");

        if (!readBody) return errors;
        var body = await response.Content.ReadAsStringAsync();
        var content = documented["content"] as JsonObject;
        if (body.Length == 0)
        {
            return errors;
        }
        if (content is null || content.Count == 0)
        {
            errors.Add($"{status}: the document promises no body, the service sent {response.Content.Headers.ContentType}");
            return errors;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "(none)";
        if (content[mediaType] is not JsonObject media)
        {
            errors.Add($"{status}: content type {mediaType} is not documented (the document has {string.Join(", ", content.Select(c => c.Key))})");
            return errors;
        }
        if (media["schema"] is not JsonObject schema) return errors;

        IEnumerable<string> instances = mediaType.EndsWith("ndjson", StringComparison.Ordinal)
            ? body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            : mediaType.EndsWith("json", StringComparison.Ordinal) ? [body] : [];
        foreach (var instance in instances)
            errors.AddRange(Validate(schema, instance).Select(e => $"{status} {mediaType}: {e}"));
        return errors;
    }

    /// <summary>The errors of <paramref name="json"/> against <paramref name="schema"/>, every component schema available as a $ref target.</summary>
    public IReadOnlyList<string> Validate(JsonObject schema, string json)
    {
        // Components become $defs of one schema resource, so "#/components/schemas/X" is "#/$defs/X".
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _document["components"]!["schemas"]!.DeepClone(),
            ["allOf"] = new JsonArray(schema.DeepClone()),
        };
        var text = root.ToJsonString().Replace("\"" + ComponentsPrefix, "\"#/$defs/", StringComparison.Ordinal);
        var built = JsonSchema.Build(JsonDocument.Parse(text).RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() },
            new Uri("https://controlapi.test/openapi-v1.json"));
        using var instance = JsonDocument.Parse(json);
        var results = built.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (results.IsValid) return [];
        var errors = new List<string>();
        Collect(results, errors);
        if (errors.Count == 0) Failing(results, errors); // e.g. a oneOf both of whose branches pass says nothing itself
        return errors;
    }

    private static void Failing(EvaluationResults results, List<string> errors)
    {
        if (results.IsValid) return;
        var failingChildren = (results.Details ?? []).Where(d => !d.IsValid).ToList();
        if (failingChildren.Count == 0) errors.Add($"{results.InstanceLocation}: fails {results.EvaluationPath}");
        foreach (var child in failingChildren) Failing(child, errors);
    }

    /// <summary>Errors of failing nodes only: a oneOf that passes still holds its failing branches.</summary>
    private static void Collect(EvaluationResults results, List<string> errors)
    {
        if (results.IsValid) return;
        if (results.Errors is { } own)
            foreach (var (keyword, message) in own)
                errors.Add($"{results.InstanceLocation}: {keyword}: {message} (schema {results.EvaluationPath})");
        foreach (var detail in results.Details ?? []) Collect(detail, errors);
    }
}
