using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// Validates the documents of a Talos strategic-merge patch against the Talos config schema of one
/// version (talos/NOTES.md "How Talos applies config patches"). The schema's top level is a
/// <c>oneOf</c> over whole documents, but a patch document is <em>partial</em>: Talos merges it into
/// the generated document, which supplies what the patch leaves out. So each document is matched
/// to its definition (by <c>kind</c>/<c>apiVersion</c>; no kind = the <c>v1alpha1.Config</c>
/// document) and validated against that definition with every <c>required</c> relaxed — every
/// field present must still exist there (<c>additionalProperties: false</c> throughout) with the
/// right type and enum. The identifying <c>apiVersion</c>/<c>kind</c> stay required. A
/// <c>$patch: delete</c> directive is the patcher's, not the document's: it is removed before
/// validation, and such a document may carry nothing but its identity.
/// </summary>
public sealed class TalosPatchValidator
{
    private const string V1Alpha1Config = "v1alpha1.Config";

    private readonly JsonObject _schema;
    private readonly ConcurrentDictionary<string, SchemaCheck> _partialByDefinition = new(StringComparer.Ordinal);

    public string Name { get; }

    public TalosPatchValidator(string name, string schemaJson)
    {
        Name = name;
        _schema = JsonNode.Parse(schemaJson)!.AsObject();
    }

    public IReadOnlyList<string> Errors(JsonNode? document)
    {
        if (document is not JsonObject original) return ["a patch document must be a mapping"];
        var body = original.DeepClone().AsObject();
        var delete = false;
        if (body.Remove("$patch", out var directive))
        {
            if (directive?.GetValue<string>() != "delete") return [$"unknown patch directive $patch: {directive?.ToJsonString()}"];
            delete = true;
        }

        var errors = new List<string>();
        var definition = FindDefinition(body, errors);
        if (definition is null) return errors;

        if (delete)
            errors.AddRange(body.Select(p => p.Key).Where(k => k is not ("apiVersion" or "kind" or "name"))
                .Select(k => $"a '$patch: delete' document carries '{k}'; it may only identify the document"));

        var required = Definitions[definition]!["required"] as JsonArray ?? [];
        foreach (var identity in new[] { "apiVersion", "kind" })
            if (required.Any(r => r!.GetValue<string>() == identity) && !body.ContainsKey(identity))
                errors.Add($"{definition} document without '{identity}'");

        errors.AddRange(_partialByDefinition.GetOrAdd(definition, BuildPartial).Errors(body));
        return errors;
    }

    private JsonObject Definitions => _schema["$defs"]!.AsObject();

    private string? FindDefinition(JsonObject body, List<string> errors)
    {
        if (!body.ContainsKey("kind"))
        {
            if (Definitions.ContainsKey(V1Alpha1Config)) return V1Alpha1Config;
            errors.Add($"{Name} has no {V1Alpha1Config} definition");
            return null;
        }
        var kind = body["kind"]?.GetValue<string>();
        var apiVersion = body["apiVersion"]?.GetValue<string>();
        var matches = _schema["oneOf"]!.AsArray()
            .Select(r => r!["$ref"]!.GetValue<string>().Split('/')[^1])
            .Where(name => Accepts(Definitions[name]!["properties"]?["kind"], kind)
                           && Accepts(Definitions[name]!["properties"]?["apiVersion"], apiVersion))
            .ToArray();
        if (matches.Length == 1) return matches[0];
        errors.Add(matches.Length == 0
            ? $"{Name} has no document kind '{kind}' with apiVersion '{apiVersion}'"
            : $"{Name}: kind '{kind}' matches several definitions: {string.Join(", ", matches)}");
        return null;
    }

    private static bool Accepts(JsonNode? property, string? value) =>
        value is not null && property?["enum"] is JsonArray values && values.Any(v => v?.GetValue<string>() == value);

    private SchemaCheck BuildPartial(string definition)
    {
        var defs = Definitions.DeepClone().AsObject();
        RemoveRequired(defs);
        var schema = new JsonObject
        {
            ["$schema"] = _schema["$schema"]!.DeepClone(),
            ["$defs"] = defs,
            ["$ref"] = $"#/$defs/{definition}",
        };
        return new SchemaCheck($"{Name} ({definition}, partial)", schema, new Uri($"https://controlapi.test/talos/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(definition)}"));
    }

    private static void RemoveRequired(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("required");
                foreach (var (_, child) in obj) RemoveRequired(child);
                break;
            case JsonArray array:
                foreach (var child in array) RemoveRequired(child);
                break;
        }
    }
}
