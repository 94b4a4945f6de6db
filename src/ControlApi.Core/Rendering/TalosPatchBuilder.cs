using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Rendering;

/// <summary>
/// The Talos machine-config patch that removes Talos' own CNI (Flannel) and kube-proxy, in the
/// layout of the cluster's Talos version (talos/NOTES.md). Never both layouts: Talos 1.14 rejects
/// a config that sets a deprecated v1alpha1 field and its new document
/// (<c>V1Alpha1ConflictValidate</c>).
/// </summary>
public static class TalosPatchBuilder
{
    public static IReadOnlyList<YamlMap> Build(TalosVersion version) =>
        version.UsesMultiDocumentKubernetesConfig ? MultiDocument() : V1Alpha1();

    /// <summary>
    /// Up to 1.13: a strategic-merge patch of the v1alpha1 document, as Talos' own
    /// hack/test/patches/cilium-kubeproxy.yaml @ v1.13.9.
    /// </summary>
    private static YamlMap[] V1Alpha1() =>
    [
        new YamlMap().Add("cluster", new YamlMap()
            .Add("network", new YamlMap().Add("cni", new YamlMap().Add("name", "none")))
            .Add("proxy", new YamlMap().Add("disabled", true))),
    ];

    /// <summary>
    /// From 1.14: kube-proxy off in its KubeProxyConfig document, and the KubeFlannelCNIConfig
    /// document deleted (its presence deploys Flannel), as hack/test/patches/cilium-kubeproxy.yaml
    /// @ v1.14.0-rc.1.
    /// </summary>
    private static YamlMap[] MultiDocument() =>
    [
        new YamlMap()
            .Add("apiVersion", "v1alpha1")
            .Add("kind", "KubeProxyConfig")
            .Add("enabled", false),
        new YamlMap()
            .Add("apiVersion", "v1alpha1")
            .Add("kind", "KubeFlannelCNIConfig")
            .Add("$patch", "delete"),
    ];
}
