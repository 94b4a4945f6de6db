namespace ControlApi.Core.Rendering;

/// <summary>
/// What Cilium needs on Talos, from Cilium's Talos install guide
/// (Documentation/installation/k8s-install-talos-linux.rst @1.18.2, quoted in cilium/NOTES.md
/// "Talos-recommended values") and Talos CI's e2e.sh (talos/NOTES.md).
/// </summary>
public static class TalosCiliumFacts
{
    /// <summary>KubePrism serves the API on the node's loopback (talos/NOTES.md, machine.features.kubePrism).</summary>
    public const string KubernetesServiceHost = "localhost";

    /// <summary>Talos mounts cgroup v2 itself; Cilium must not mount its own.</summary>
    public const string CgroupHostRoot = "/sys/fs/cgroup";

    /// <summary>
    /// The chart's default agent capabilities without <c>SYS_MODULE</c>: "Talos does not allow
    /// loading Kernel modules by Kubernetes workloads".
    /// </summary>
    public static IReadOnlyList<string> AgentCapabilities { get; } =
    [
        "CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE",
        "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID",
    ];

    /// <summary>
    /// BGP routers listening on port 179 need it and the Talos list lacks it
    /// (bgp-control-plane-v2.rst, cilium/NOTES.md "BGP control plane").
    /// </summary>
    public const string BgpListenCapability = "NET_BIND_SERVICE";

    /// <summary>The chart's clean-state init container capabilities without <c>SYS_MODULE</c>.</summary>
    public static IReadOnlyList<string> CleanStateCapabilities { get; } = ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"];
}
