using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Rendering;

/// <summary>
/// The kustomize file (<c>kustomize.config.k8s.io/v1beta1</c>; not the Flux Kustomization CR,
/// flux/NOTES.md "Two kinds named Kustomization") listing the folder's other files, sorted
/// ordinally so the list never depends on the order they were rendered in.
/// </summary>
public static class KustomizationBuilder
{
    public const string FileName = "kustomization.yaml";

    public static YamlMap Build(IEnumerable<string> resourceFileNames) => new YamlMap()
        .Add("apiVersion", "kustomize.config.k8s.io/v1beta1")
        .Add("kind", "Kustomization")
        .Add("resources", YamlList.Strings(resourceFileNames.Order(StringComparer.Ordinal)));
}
