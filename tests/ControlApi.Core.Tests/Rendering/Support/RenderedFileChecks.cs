using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// Checks every file of a render against the upstream schema it belongs to, and the kustomize
/// file against the folder. Returns every problem, prefixed with the file, so a failing property
/// test says what and where.
/// </summary>
public static class RenderedFileChecks
{
    private static readonly Lazy<SchemaCheck> NamespaceSchema = new(() => new SchemaCheck("core/v1 Namespace (minimal)",
        new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("apiVersion", "kind", "metadata"),
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["const"] = "v1" },
                ["kind"] = new JsonObject { ["const"] = "Namespace" },
                ["metadata"] = CrdSchemaConverter.ObjectMeta(namespaced: false),
            },
        }, new Uri("https://controlapi.test/core/namespace")));

    public static IReadOnlyList<string> Errors(ClusterProfile cluster, RenderedManifests rendered)
    {
        var errors = new List<string>();
        var folder = ManifestRenderer.CiliumFilePath(cluster, "");
        foreach (var file in rendered.Files)
        {
            IReadOnlyList<JsonNode?> documents;
            try { documents = YamlJson.ParseDocuments(file.Content); }
            catch (Exception ex) { errors.Add($"{file.Path}: does not parse: {ex.Message}"); continue; }

            errors.AddRange(PlainScalarsReadAlike(file.Content).Select(e => $"{file.Path}: {e}"));
            var name = file.Path.StartsWith(folder, StringComparison.Ordinal) ? file.Path[folder.Length..] : null;
            var fileErrors = name switch
            {
                ManifestRenderer.RepositoryFile => Single(documents, d => ReferenceSchemas.HelmRepository.Errors(d)),
                ManifestRenderer.ReleaseFile => Single(documents, ReleaseErrors),
                ManifestRenderer.NamespaceFile => Single(documents, d => NamespaceSchema.Value.Errors(d)),
                ManifestRenderer.BgpFile => documents.SelectMany(BgpErrors).ToList(),
                KustomizationBuilder.FileName => Single(documents, d => KustomizationErrors(d, rendered, folder)),
                null when file.Path == cluster.TalosPatchPath => documents.SelectMany(d => ReferenceSchemas.TalosFor(cluster.Talos.Version).Errors(d)).ToList(),
                _ => [$"not a file the renderer should write"],
            };
            errors.AddRange(fileErrors.Select(e => $"{file.Path}: {e}"));
        }
        return errors;
    }

    private static List<string> Single(IReadOnlyList<JsonNode?> documents, Func<JsonNode?, IEnumerable<string>> check) =>
        documents.Count == 1 ? check(documents[0]).ToList() : [$"expected one document, found {documents.Count}"];

    public static IEnumerable<string> ReleaseErrors(JsonNode? release)
    {
        foreach (var error in ReferenceSchemas.HelmRelease.Errors(release)) yield return error;
        var values = release?["spec"]?["values"];
        foreach (var error in ReferenceSchemas.CiliumValues.Errors(values)) yield return $"values: {error}";
        foreach (var error in ReferenceSchemas.CiliumValuesStrict.Errors(values)) yield return $"values (closed): {error}";
    }

    private static IEnumerable<string> BgpErrors(JsonNode? document)
    {
        var kind = document?["kind"]?.GetValue<string>();
        if (kind is not ("CiliumBGPClusterConfig" or "CiliumBGPPeerConfig" or "CiliumBGPAdvertisement"))
            return [$"unexpected BGP document kind '{kind}'"];
        return ReferenceSchemas.CiliumBgp(kind).Errors(document).Select(e => $"{kind}: {e}");
    }

    /// <summary>kustomize's file has no CRD: it must be the v1beta1 Kustomization listing exactly the folder's other files.</summary>
    private static IEnumerable<string> KustomizationErrors(JsonNode? document, RenderedManifests rendered, string folder)
    {
        if (document?["apiVersion"]?.GetValue<string>() != "kustomize.config.k8s.io/v1beta1" || document["kind"]?.GetValue<string>() != "Kustomization")
            yield return "not a kustomize.config.k8s.io/v1beta1 Kustomization";
        var keys = document?.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray() ?? [];
        if (!keys.SequenceEqual(["apiVersion", "kind", "resources"]))
            yield return $"unexpected keys {string.Join(",", keys)}";
        var listed = document?["resources"]?.AsArray().Select(r => r!.GetValue<string>()).ToArray() ?? [];
        var inFolder = rendered.Files.Select(f => f.Path)
            .Where(p => p.StartsWith(folder, StringComparison.Ordinal) && !p[folder.Length..].Contains('/'))
            .Select(p => p[folder.Length..])
            .Where(n => n != KustomizationBuilder.FileName)
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (!listed.SequenceEqual(inFolder))
            yield return $"lists [{string.Join(", ", listed)}] but the folder has [{string.Join(", ", inFolder)}] (sorted)";
    }

    /// <summary>An unquoted scalar must mean the same to YAML 1.1 readers (go-yaml v2) as to YAML 1.2 ones.</summary>
    public static IEnumerable<string> PlainScalarsReadAlike(string yaml)
    {
        foreach (var text in YamlJson.PlainScalars(yaml))
        {
            var core = YamlJson.ResolveCore(text);
            var coreKind = core is null ? "null" : core.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "bool",
                System.Text.Json.JsonValueKind.Number => "number",
                _ => "str",
            };
            var yaml11 = YamlJson.Yaml11Kind(text);
            if (coreKind != yaml11) yield return $"plain scalar '{text}' is a {coreKind} in YAML 1.2 but a {yaml11} in YAML 1.1";
        }
    }
}
