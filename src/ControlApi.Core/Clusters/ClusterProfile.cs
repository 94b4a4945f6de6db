namespace ControlApi.Core.Clusters;

/// <summary>
/// What Core needs to know about a managed cluster to validate and render: the facts that are
/// configuration (appsettings), not wishes (settings). Built by the service from its options.
/// </summary>
public sealed record ClusterProfile
{
    public required string Id { get; init; }
    public string DisplayName { get; init; } = "";

    /// <summary>Folder of the Cilium manifests in the GitOps repository.</summary>
    public string CiliumPath { get; init; } = "gitops/infrastructure/cilium";

    /// <summary>Path of the Talos machine-config patch file in the GitOps repository.</summary>
    public string TalosPatchPath { get; init; } = "talos/patches/cilium.yaml";

    public TalosFacts Talos { get; init; } = new();
    public ChartSource Chart { get; init; } = new();

    /// <summary>The HelmRelease that installs Cilium.</summary>
    public ObjectRef HelmRelease { get; init; } = new("kube-system", "cilium");

    /// <summary>The Flux HelmRepository for the Cilium chart that the HelmRelease pulls from.</summary>
    public ObjectRef HelmRepository { get; init; } = new("flux-system", "cilium");

    /// <summary>Flux intervals and the Helm timeout of the rendered objects.</summary>
    public FluxTimings Flux { get; init; } = new();
    public ObjectRef Kustomization { get; init; } = new("flux-system", "cilium");

    /// <summary>
    /// The HelmRelease's <c>spec.driftDetection.mode</c> (helm-controller: <c>disabled</c>, <c>warn</c>
    /// or <c>enabled</c>, which corrects objects that differ from the release); null leaves it out
    /// (helm-controller's default, disabled).
    /// </summary>
    public string? HelmDriftDetection { get; init; }
    public ObjectRef GitRepository { get; init; } = new("flux-system", "flux-system");
}

/// <summary>Talos facts; KubePrism's default port is 7445 (talos/NOTES.md, constants.go).</summary>
public sealed record TalosFacts
{
    public TalosVersion Version { get; init; } = TalosVersion.Parse("1.13");
    public int KubePrismPort { get; init; } = 7445;
    /// <summary>Talos ≥ 1.8 forwards kube-dns to the host DNS by default (cilium/NOTES.md).</summary>
    public bool ForwardKubeDnsToHost { get; init; } = true;

    /// <summary>
    /// The IPv4 pod subnets (<c>cluster.network.podSubnets</c>, or <c>KubeNetworkConfig</c> <c>podSubnets</c>
    /// from 1.14), network addresses written <c>a.b.c.d/n</c>. With <c>ipam.mode: kubernetes</c> the pod
    /// addresses come from them, so the native routing CIDR must contain them.
    /// </summary>
    public IReadOnlyList<string> PodSubnets { get; init; } = [DefaultPodSubnet];

    /// <summary>Talos' default IPv4 pod network (pkg/machinery/constants/constants.go <c>DefaultIPv4PodNet</c>).</summary>
    public const string DefaultPodSubnet = "10.244.0.0/16";
}

public sealed record ChartSource
{
    public string Repository { get; init; } = "https://helm.cilium.io/";
    public string Version { get; init; } = "1.18.2";
}

/// <summary>Flux timings of the rendered objects, written as Go durations.</summary>
public sealed record FluxTimings
{
    /// <summary>HelmRepository <c>spec.interval</c>: a new chart version is seen at most this late.</summary>
    public TimeSpan HelmRepositoryInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>HelmRelease <c>spec.interval</c>: how often Flux corrects drift on its own (a reconcile request is sooner).</summary>
    public TimeSpan HelmReleaseInterval { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// HelmRelease <c>spec.timeout</c>: Helm waits this long for the upgraded objects to be ready.
    /// Helm's 5m default is shorter than a rolling restart of the agent DaemonSet on a 17-node
    /// cluster, and a timed-out upgrade is remediated (rolled back) although it was only slow.
    /// </summary>
    public TimeSpan HelmReleaseTimeout { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>A namespaced Kubernetes object name, written <c>namespace/name</c>.</summary>
public sealed record ObjectRef(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";

    public static bool TryParse(string? text, out ObjectRef? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Split('/');
        if (parts.Length != 2 || !KubernetesNames.IsDnsLabel(parts[0]) || !KubernetesNames.IsDnsSubdomain(parts[1])) return false;
        value = new ObjectRef(parts[0], parts[1]);
        return true;
    }
}

/// <summary>Talos minor version; the layout of the machine config depends on it (1.14 moved to documents).</summary>
public readonly record struct TalosVersion(int Major, int Minor) : IComparable<TalosVersion>
{
    /// <summary>Versions the reference schemas cover (talos/NOTES.md: v1.13.9 and v1.14.0-rc.1); 1.5 is Cilium's tested minimum.</summary>
    public static readonly TalosVersion MinimumSupported = new(1, 5);
    public static readonly TalosVersion MaximumSupported = new(1, 14);

    /// <summary>From 1.14 the network, proxy and KubePrism settings are separate documents.</summary>
    public bool UsesMultiDocumentKubernetesConfig => CompareTo(new TalosVersion(1, 14)) >= 0;

    public bool IsSupported => CompareTo(MinimumSupported) >= 0 && CompareTo(MaximumSupported) <= 0;

    public int CompareTo(TalosVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public override string ToString() => $"{Major}.{Minor}";

    public static bool TryParse(string? text, out TalosVersion version)
    {
        version = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim().TrimStart('v');
        var dash = trimmed.IndexOf('-');
        if (dash >= 0) trimmed = trimmed[..dash];
        var parts = trimmed.Split('.');
        if (parts.Length is < 2 or > 3) return false;
        if (!int.TryParse(parts[0], out var major) || !int.TryParse(parts[1], out var minor)) return false;
        if (parts.Length == 3 && !int.TryParse(parts[2], out _)) return false;
        version = new TalosVersion(major, minor);
        return true;
    }

    public static TalosVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a Talos version like 1.13 or v1.13.9.");

    public static bool operator <(TalosVersion a, TalosVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(TalosVersion a, TalosVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(TalosVersion a, TalosVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(TalosVersion a, TalosVersion b) => a.CompareTo(b) >= 0;
}
