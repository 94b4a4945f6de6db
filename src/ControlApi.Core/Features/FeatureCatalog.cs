using ControlApi.Core.Settings;
using ControlApi.Core.Validation;

namespace ControlApi.Core.Features;

/// <summary>A switchable Cilium feature by its public name (SPEC §2 feature names).</summary>
/// <param name="Member">The one settings member the switch changes, as a pointer (<c>/encryption/enabled</c>).</param>
public sealed record Feature(
    string Name,
    string Description,
    string Member,
    Func<CiliumSettings, bool> IsEnabled,
    Func<CiliumSettings, bool, CiliumSettings> With);

/// <summary>
/// The feature names used by <c>/features</c>, chatops and scripts. Toggling a feature changes
/// exactly the one setting it names; dependencies are explained by validation, never switched
/// silently behind the caller's back.
/// </summary>
public static class FeatureCatalog
{
    public static IReadOnlyList<Feature> All { get; } =
    [
        new("encryption", "Transparent encryption of pod traffic between nodes (WireGuard or IPsec).", SettingsPointers.EncryptionEnabled,
            s => s.Encryption.Enabled, (s, on) => s with { Encryption = s.Encryption with { Enabled = on } }),
        new("bgp", "BGP control plane: peer with routers and advertise pod CIDRs.", SettingsPointers.BgpEnabled,
            s => s.Bgp.Enabled, (s, on) => s with { Bgp = s.Bgp with { Enabled = on } }),
        new("hubble", "Hubble flow observability in every agent.", SettingsPointers.HubbleEnabled,
            s => s.Hubble.Enabled, (s, on) => s with { Hubble = s.Hubble with { Enabled = on } }),
        new("hubble-ui", "The Hubble UI web front end (needs Hubble and Hubble Relay).", SettingsPointers.HubbleUiEnabled,
            s => s.Hubble.Ui.Enabled, (s, on) => s with { Hubble = s.Hubble with { Ui = s.Hubble.Ui with { Enabled = on } } }),
        new("host-firewall", "Host firewall: Cilium policies for the nodes themselves.", SettingsPointers.HostFirewallEnabled,
            s => s.HostFirewall.Enabled, (s, on) => s with { HostFirewall = s.HostFirewall with { Enabled = on } }),
        new("bandwidth-manager", "Bandwidth manager: EDT-based pod egress rate limiting.", SettingsPointers.BandwidthManagerEnabled,
            s => s.BandwidthManager.Enabled, (s, on) => s with { BandwidthManager = s.BandwidthManager with { Enabled = on } }),
        new("bbr", "BBR congestion control for pods (needs the bandwidth manager and eBPF host routing).", SettingsPointers.BandwidthManagerBbr,
            s => s.BandwidthManager.Bbr, (s, on) => s with { BandwidthManager = s.BandwidthManager with { Bbr = on } }),
        new("l7-proxy", "The L7 (Envoy) proxy for HTTP/DNS-aware policies.", SettingsPointers.L7Proxy,
            s => s.L7Proxy, (s, on) => s with { L7Proxy = on }),
        new("kube-proxy-replacement", "eBPF replacement of kube-proxy for service load-balancing.", SettingsPointers.KubeProxyReplacement,
            s => s.KubeProxyReplacement, (s, on) => s with { KubeProxyReplacement = on }),
    ];

    public static Feature? Find(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    public static string Names => string.Join(", ", All.Select(f => f.Name));
}
