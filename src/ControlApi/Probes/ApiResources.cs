namespace ControlApi.Probes;

/// <summary>A custom resource's coordinates in the API (group, version, plural).</summary>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind)
{
    public override string ToString() => $"{Plural}.{Group}/{Version}";
}

/// <summary>The custom resources ControlApi reads, at the API versions of shared/reference (Flux v2.9, Cilium 1.18).</summary>
public static class ApiResources
{
    public static readonly ApiResource GitRepository = new("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository");
    public static readonly ApiResource Kustomization = new("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization");
    public static readonly ApiResource HelmRelease = new("helm.toolkit.fluxcd.io", "v2", "helmreleases", "HelmRelease");
    public static readonly ApiResource CiliumNode = new("cilium.io", "v2", "ciliumnodes", "CiliumNode");
    public static readonly ApiResource CiliumEndpoint = new("cilium.io", "v2", "ciliumendpoints", "CiliumEndpoint");
}
