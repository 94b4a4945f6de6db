using ControlApi.Core.Validation;
using ControlApi.Core.Values;

namespace ControlApi.Core.Rendering;

/// <summary>Who decides a Helm value ControlApi renders.</summary>
public enum ValueOwner
{
    /// <summary>A typed settings member (<see cref="OwnedValue.Member"/>).</summary>
    Setting,

    /// <summary>What Cilium needs on Talos (KubePrism, cgroup, capabilities): not a wish, a fact.</summary>
    Talos,

    /// <summary>What ControlApi itself needs for a merged change to go live (pod roll-outs).</summary>
    ControlApi,
}

/// <summary>One Helm values path that <see cref="HelmValuesBuilder"/> always decides.</summary>
/// <param name="Path">The values path (<see cref="ValuePath"/> syntax).</param>
/// <param name="Member">The settings pointer that decides it, for <see cref="ValueOwner.Setting"/>.</param>
public sealed record OwnedValue(string Path, ValueOwner Owner, string? Member, string Why)
{
    public IReadOnlyList<string> Segments { get; } = ValuePath.Split(Path);
}

/// <summary>
/// The table of values the typed model owns, written once beside the builder that renders them:
/// <c>extraValues</c> may not set them (one value, one place), adoption maps them back to typed
/// members, and a change list can tell a value the request named from a side effect.
/// </summary>
public static class HelmValueOwnership
{
    private const string KubePrism = "Cilium on Talos reaches the API server through KubePrism on the node (talos/NOTES.md, k8s-install-talos-linux.rst)";
    private const string Cgroup = "Talos mounts cgroup v2 itself; Cilium must not (k8s-install-talos-linux.rst)";
    private const string Capabilities = "Talos forbids SYS_MODULE to workloads, so the capability lists are Talos' (k8s-install-talos-linux.rst); BGP adds NET_BIND_SERVICE";
    private const string RollOut = "without it a changed cilium-config never restarts the pods, so a merged change would never go live (SPEC §3)";

    public static IReadOnlyList<OwnedValue> All { get; } =
    [
        Setting("ipam.mode", SettingsPointers.IpamMode),
        Fact("k8sServiceHost", ValueOwner.Talos, KubePrism),
        Fact("k8sServicePort", ValueOwner.Talos, KubePrism),
        Fact("securityContext.capabilities.ciliumAgent", ValueOwner.Talos, Capabilities),
        Fact("securityContext.capabilities.cleanCiliumState", ValueOwner.Talos, Capabilities),
        Fact("cgroup.autoMount.enabled", ValueOwner.Talos, Cgroup),
        Fact("cgroup.hostRoot", ValueOwner.Talos, Cgroup),
        Setting("kubeProxyReplacement", SettingsPointers.KubeProxyReplacement),
        Setting("encryption.enabled", SettingsPointers.EncryptionEnabled),
        Setting("encryption.type", SettingsPointers.EncryptionType),
        Setting("encryption.nodeEncryption", SettingsPointers.EncryptionNodeEncryption),
        Setting("encryption.ipsec.secretName", SettingsPointers.EncryptionIpsecKeySecret),
        Setting("bgpControlPlane.enabled", SettingsPointers.BgpEnabled),
        Setting("hubble.enabled", SettingsPointers.HubbleEnabled),
        Setting("hubble.relay.enabled", SettingsPointers.HubbleRelay),
        Setting("hubble.ui.enabled", SettingsPointers.HubbleUiEnabled),
        Setting("hubble.ui.service.type", SettingsPointers.HubbleUiServiceType),
        Setting(ValuePath.Join(["hubble", "ui", "service", "annotations", HelmValuesBuilder.ExternalDnsHostnameAnnotation]), SettingsPointers.HubbleUiHostname),
        Setting("bandwidthManager.enabled", SettingsPointers.BandwidthManagerEnabled),
        Setting("bandwidthManager.bbr", SettingsPointers.BandwidthManagerBbr),
        Setting("bandwidthManager.bbrHostNamespaceOnly", SettingsPointers.BandwidthManagerBbrHostNamespaceOnly),
        Setting("l7Proxy", SettingsPointers.L7Proxy),
        Setting("hostFirewall.enabled", SettingsPointers.HostFirewallEnabled),
        Setting("policyAuditMode", SettingsPointers.HostFirewallMode),
        Setting("routingMode", SettingsPointers.RoutingMode),
        Setting("tunnelProtocol", SettingsPointers.RoutingTunnelProtocol),
        Setting("ipv4NativeRoutingCIDR", SettingsPointers.RoutingIpv4NativeRoutingCidr),
        Setting("bpf.masquerade", SettingsPointers.BpfMasquerade),
        Setting("bpf.hostLegacyRouting", SettingsPointers.BpfHostLegacyRouting),
        Fact("rollOutCiliumPods", ValueOwner.ControlApi, RollOut),
        Fact("operator.rollOutPods", ValueOwner.ControlApi, RollOut),
    ];

    /// <summary>The owned value at exactly this path, if any.</summary>
    public static OwnedValue? Find(string path) => All.FirstOrDefault(o => o.Path == path);

    /// <summary>
    /// The owned value a free-form path collides with: the same path, a path inside an owned leaf,
    /// or a path that would replace a map holding an owned leaf.
    /// </summary>
    public static OwnedValue? Collision(IReadOnlyList<string> segments) =>
        All.FirstOrDefault(o => ValuePath.IsPrefixOf(o.Segments, segments) || ValuePath.IsPrefixOf(segments, o.Segments));

    private static OwnedValue Setting(string path, string member) => new(path, ValueOwner.Setting, member, "a typed setting");

    private static OwnedValue Fact(string path, ValueOwner owner, string why) => new(path, owner, null, why);
}
