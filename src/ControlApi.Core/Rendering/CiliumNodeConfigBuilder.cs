using ControlApi.Core.Canary;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Rendering;

/// <summary>
/// The canary's <c>CiliumNodeConfig</c> (cilium.io/v2, namespaced; CRD
/// pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnodeconfigs.yaml in the cilium repository):
/// <c>spec.nodeSelector</c> (a metav1.LabelSelector) and <c>spec.defaults</c> (cilium-config key →
/// string), both required. It lives in the release namespace beside <c>cilium-config</c>, where the
/// agent looks for it; the agent reads it only when it starts (docs "Per-node configuration"), so
/// the canary nodes' agents are restarted by deleting their pods.
/// </summary>
public static class CiliumNodeConfigBuilder
{
    public const string ApiVersion = "cilium.io/v2";
    public const string Kind = "CiliumNodeConfig";

    /// <summary>
    /// One name for every canary: at most one canary is open per cluster, and a fixed name lets Flux
    /// prune it by its inventory id when a render no longer has it. Several configs matching a node
    /// apply in name order (CRD description), so the name sorts late on purpose.
    /// </summary>
    public const string Name = "controlapi-canary";

    public static YamlMap Build(ClusterProfile cluster, CanaryOverlay canary)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(canary);
        var defaults = new YamlMap();
        foreach (var (key, value) in canary.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
            defaults.Add(key, YamlValue.String(value));
        return new YamlMap()
            .Add("apiVersion", ApiVersion)
            .Add("kind", Kind)
            .Add("metadata", new YamlMap()
                .Add("name", Name)
                .Add("namespace", cluster.HelmRelease.Namespace)
                .Add("labels", new YamlMap().Add("app.kubernetes.io/managed-by", "controlapi")))
            .Add("spec", new YamlMap()
                .Add("nodeSelector", canary.Selector.ToLabelSelector())
                .Add("defaults", defaults));
    }
}
