using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ControlApi.TestCluster.Simulator;

/// <summary>A build error, as kustomize-controller reports it (<c>BuildFailed</c>).</summary>
public sealed class KustomizeBuildException(string message) : Exception(message);

/// <summary>One object a Kustomization builds, with the resource that stores it.</summary>
internal sealed record BuiltObject(ApiResource Resource, JsonObject Object)
{
    public string Namespace => Object["metadata"]?["namespace"]?.GetValue<string>() ?? "";
    public string Name => Object["metadata"]!["name"]!.GetValue<string>();

    /// <summary>Flux's inventory id: <c>&lt;ns&gt;_&lt;name&gt;_&lt;group&gt;_&lt;kind&gt;</c>.</summary>
    public string InventoryId => $"{Namespace}_{Name}_{Resource.Group}_{Resource.Kind}";
}

/// <summary>
/// "kustomize build" of the Kustomization's folder at a commit: <c>kustomization.yaml</c>'s
/// <c>resources</c>, each file's YAML documents, each mapped to a served resource — a kind no CRD
/// serves fails the build, as the real dry-run apply would.
/// </summary>
internal static class FluxManifests
{
    public static async Task<IReadOnlyList<BuiltObject>> BuildAsync(GitOpsSource source, string commit, string path, CancellationToken cancellationToken)
    {
        var folder = path.TrimStart('.').Trim('/');
        var kustomization = await source.ReadFileAsync(commit, $"{folder}/kustomization.yaml", cancellationToken)
            ?? throw new KustomizeBuildException($"kustomization path not found: stat {folder}: no such file or directory");
        var files = Documents(kustomization, "kustomization.yaml")
            .SelectMany(doc => doc["resources"] as JsonArray ?? [])
            .Select(r => r?.GetValue<string>())
            .OfType<string>()
            .ToArray();
        var objects = new List<BuiltObject>();
        foreach (var file in files)
        {
            var text = await source.ReadFileAsync(commit, $"{folder}/{file}", cancellationToken)
                ?? throw new KustomizeBuildException($"accumulating resources: accumulation err='accumulating resources from '{file}': open {folder}/{file}: no such file or directory'");
            foreach (var document in Documents(text, file))
            {
                var apiVersion = document["apiVersion"]?.GetValue<string>() ?? "";
                var kind = document["kind"]?.GetValue<string>() ?? "";
                var resource = KubernetesResources.FindByKind(apiVersion, kind)
                    ?? throw new KustomizeBuildException($"{kind}/{document["metadata"]?["name"]} dry-run failed: no matches for kind \"{kind}\" in version \"{apiVersion}\"");
                objects.Add(new BuiltObject(resource, document));
            }
        }
        return objects;
    }

    /// <summary>Reads the <c>spec.values</c> of the built HelmRelease.</summary>
    public static HelmValues ValuesOf(JsonObject helmRelease) =>
        new(helmRelease["spec"]?["values"] as JsonObject ?? new JsonObject());

    public static IEnumerable<JsonObject> Documents(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new KustomizeBuildException($"failed to parse {file}: {e.Message}");
        }
        return stream.Documents
            .Select(d => HelmValues.FromYaml(d.RootNode))
            .OfType<JsonObject>()
            .ToArray();
    }
}
