using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Rendering;

/// <summary>The release namespace, when Cilium is not installed into <c>kube-system</c>.</summary>
public static class NamespaceBuilder
{
    public const string KubeSystem = "kube-system";

    /// <summary>
    /// Never for <c>kube-system</c>: the Flux Kustomization prunes what it applied, so owning the
    /// namespace would let a later render delete it (SPEC §3).
    /// </summary>
    public static bool IsNeeded(string releaseNamespace) => releaseNamespace != KubeSystem;

    /// <summary>
    /// Talos enforces the PodSecurity <c>baseline</c> level outside <c>kube-system</c> (the seed's
    /// connectivity test was blocked by it, SPEC intro); the Cilium agent is a privileged host-network
    /// pod, so its namespace must allow <c>privileged</c>.
    /// </summary>
    public static YamlMap Namespace(string name) => new YamlMap()
        .Add("apiVersion", "v1")
        .Add("kind", "Namespace")
        .Add("metadata", new YamlMap()
            .Add("name", name)
            .Add("labels", new YamlMap().Add("pod-security.kubernetes.io/enforce", "privileged")));
}
