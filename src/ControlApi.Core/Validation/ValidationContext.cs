using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Validation;

/// <summary>
/// What one validation looks at, plus the derived facts several rule groups share, so that
/// "is IPsec on" or "is eBPF host routing in effect" is decided in one place.
/// </summary>
internal sealed record ValidationContext(ClusterProfile Cluster, CiliumSettings Desired, CiliumSettings? Current, Charts.ChartDefinition? Chart = null,
    HostFirewall.HostFirewallAuditEvidence? HostFirewallAudit = null)
{
    /// <summary>Talos turned on forwarding kube-dns to the host DNS by default in 1.8 (cilium/NOTES.md: Talos-recommended values).</summary>
    private static readonly TalosVersion HostDnsForwardingSince = new(1, 8);

    public bool IpsecEnabled => Desired.Encryption is { Enabled: true, Type: EncryptionType.Ipsec };

    /// <summary>BBR asked for pod traffic too, not only the host namespace.</summary>
    public bool BbrForPods => Desired.BandwidthManager is { Bbr: true, BbrHostNamespaceOnly: false };

    /// <summary>
    /// Whether the agent would run eBPF host routing: it needs KPR and BPF masquerading, and
    /// falls back to legacy otherwise; hostLegacyRouting and IPsec force legacy
    /// (cilium/NOTES.md: Bandwidth manager / BBR — tuning.rst §eBPF Host-Routing, kube_proxy_replacement.go).
    /// </summary>
    public bool EbpfHostRouting =>
        Desired.KubeProxyReplacement && Desired.Bpf.Masquerade && !Desired.Bpf.HostLegacyRouting && !IpsecEnabled;

    /// <summary>
    /// Whether the nodes forward kube-dns to the host DNS once the Talos patch is applied: the setting when it is
    /// set (it is rendered), otherwise the cluster fact; never before 1.8.
    /// </summary>
    public bool TalosForwardsKubeDnsToHost =>
        Cluster.Talos.Version >= HostDnsForwardingSince && (Desired.Talos.ForwardKubeDnsToHost ?? Cluster.Talos.ForwardKubeDnsToHost);

    /// <summary>Whether the forwarding comes from the settings rather than Talos' default.</summary>
    public bool ForwardingSetByTalosSettings => Desired.Talos.ForwardKubeDnsToHost is not null;

    public static TalosVersion HostDnsSettingSince => HostDnsForwardingSince;
}
