namespace ControlApi.TestCluster.Api;

/// <summary>
/// One REST resource the test API server serves, named as the real server names it: the group
/// (empty for the core group), version, plural resource name and kind.
/// </summary>
/// <param name="TracksGeneration">
/// Whether <c>metadata.generation</c> is maintained and bumped on spec changes. The real server does
/// it for every custom resource and for workload kinds such as DaemonSet; ConfigMaps, Pods, Nodes and
/// Services carry no generation there, so they carry none here.
/// </param>
/// <param name="HasStatusSubresource">
/// Whether writes to the main resource ignore <c>status</c> and writes to <c>/status</c> ignore the
/// rest, as with a CRD that enables the status subresource.
/// </param>
public sealed record ApiResource(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    bool TracksGeneration,
    bool HasStatusSubresource)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>How error messages name the resource: <c>pods</c>, <c>kustomizations.kustomize.toolkit.fluxcd.io</c>.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public override string ToString() => QualifiedName;
}

/// <summary>The resources ControlApi and Flux's rendered manifests touch; anything else is a 404 like an uninstalled CRD.</summary>
public static class KubernetesResources
{
    public static readonly ApiResource Namespaces = new("", "v1", "namespaces", "Namespace", Namespaced: false, TracksGeneration: false, HasStatusSubresource: true);
    public static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", Namespaced: false, TracksGeneration: false, HasStatusSubresource: true);
    public static readonly ApiResource Pods = new("", "v1", "pods", "Pod", Namespaced: true, TracksGeneration: false, HasStatusSubresource: true);
    public static readonly ApiResource Services = new("", "v1", "services", "Service", Namespaced: true, TracksGeneration: false, HasStatusSubresource: true);
    public static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", Namespaced: true, TracksGeneration: false, HasStatusSubresource: false);
    public static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", Namespaced: true, TracksGeneration: false, HasStatusSubresource: false);
    public static readonly ApiResource DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", "Deployment", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource GitRepositories = new("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource HelmRepositories = new("source.toolkit.fluxcd.io", "v1", "helmrepositories", "HelmRepository", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource Kustomizations = new("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource HelmReleases = new("helm.toolkit.fluxcd.io", "v2", "helmreleases", "HelmRelease", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource CiliumNodes = new("cilium.io", "v2", "ciliumnodes", "CiliumNode", Namespaced: false, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource CiliumEndpoints = new("cilium.io", "v2", "ciliumendpoints", "CiliumEndpoint", Namespaced: true, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource CiliumBgpClusterConfigs = new("cilium.io", "v2", "ciliumbgpclusterconfigs", "CiliumBGPClusterConfig", Namespaced: false, TracksGeneration: true, HasStatusSubresource: true);
    public static readonly ApiResource CiliumBgpPeerConfigs = new("cilium.io", "v2", "ciliumbgppeerconfigs", "CiliumBGPPeerConfig", Namespaced: false, TracksGeneration: true, HasStatusSubresource: true);
    /// <summary>cilium.io/v2 CiliumNodeConfig (CRD ciliumnodeconfigs.yaml): namespaced, spec only, no status.</summary>
    public static readonly ApiResource CiliumNodeConfigs = new("cilium.io", "v2", "ciliumnodeconfigs", "CiliumNodeConfig", Namespaced: true, TracksGeneration: true, HasStatusSubresource: false);
    public static readonly ApiResource CiliumBgpAdvertisements = new("cilium.io", "v2", "ciliumbgpadvertisements", "CiliumBGPAdvertisement", Namespaced: false, TracksGeneration: true, HasStatusSubresource: true);

    public static IReadOnlyList<ApiResource> All { get; } =
    [
        Namespaces, Nodes, Pods, Services, ConfigMaps, Secrets, DaemonSets, Deployments,
        GitRepositories, HelmRepositories, Kustomizations, HelmReleases,
        CiliumNodes, CiliumEndpoints, CiliumBgpClusterConfigs, CiliumBgpPeerConfigs, CiliumBgpAdvertisements, CiliumNodeConfigs,
    ];

    public static ApiResource? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>The resource for a manifest's <c>apiVersion</c> and <c>kind</c>, as kubectl's REST mapper finds it.</summary>
    public static ApiResource? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind);
}
