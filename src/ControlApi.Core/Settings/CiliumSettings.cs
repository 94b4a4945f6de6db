using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlApi.Core.Settings;

/// <summary>
/// The desired Cilium features of one cluster (SPEC §2). Every member has a documented default so
/// that an omitted member (or a merge-patch <c>null</c>) means "the default", never "unknown".
/// Defaults follow Cilium's Talos install guide where it differs from the chart
/// (shared/reference/cilium/NOTES.md "Talos-recommended values"), otherwise the chart's values.yaml.
/// </summary>
public sealed record CiliumSettings
{
    /// <summary>Cilium chart version; <c>null</c> means the cluster's configured <c>Chart:Version</c>.</summary>
    public string? ChartVersion { get; init; }

    public EncryptionSettings Encryption { get; init; } = new();
    public BgpSettings Bgp { get; init; } = new();
    public HubbleSettings Hubble { get; init; } = new();
    public HostFirewallSettings HostFirewall { get; init; } = new();
    public BandwidthManagerSettings BandwidthManager { get; init; } = new();

    /// <summary>Chart default <c>l7Proxy: true</c>.</summary>
    public bool L7Proxy { get; init; } = true;

    /// <summary>Talos disables kube-proxy for Cilium, so the replacement is on by default.</summary>
    public bool KubeProxyReplacement { get; init; } = true;

    public RoutingSettings Routing { get; init; } = new();
    public BpfSettings Bpf { get; init; } = new();
    public IpamSettings Ipam { get; init; } = new();

    /// <summary>
    /// Every other Helm value of the release, a free-form tree kept verbatim (an adopted cluster's
    /// operator replicas, resources, tolerations …) and rendered merged under the typed values.
    /// Keys the typed members own are refused here, so each value has exactly one place.
    /// </summary>
    public JsonElement ExtraValues { get; init; } = EmptyValues;

    /// <summary>An empty values tree: nothing beyond the typed members.</summary>
    public static JsonElement EmptyValues { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Talos machine-config choices ControlApi renders into the Talos patch.</summary>
    public TalosSettings Talos { get; init; } = new();

    /// <summary>The settings a cluster has before anyone changed anything (revision 0).</summary>
    public static CiliumSettings Defaults { get; } = new();
}

public sealed record EncryptionSettings
{
    public bool Enabled { get; init; }

    /// <summary>Explicit, because the chart's own default is <c>ipsec</c>.</summary>
    public EncryptionType Type { get; init; } = EncryptionType.Wireguard;

    public bool NodeEncryption { get; init; }

    /// <summary>Name of the Kubernetes Secret holding the IPsec keys (<c>encryption.ipsec.secretName</c>).</summary>
    public string? IpsecKeySecret { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<EncryptionType>))]
public enum EncryptionType
{
    [JsonStringEnumMemberName("wireguard")] Wireguard,
    [JsonStringEnumMemberName("ipsec")] Ipsec,
}

public sealed record BgpSettings
{
    public bool Enabled { get; init; }
    public long? LocalAsn { get; init; }
    public IReadOnlyList<BgpPeer> Peers { get; init; } = [];
    public bool AdvertisePodCidr { get; init; } = true;
}

public sealed record BgpPeer
{
    public string Name { get; init; } = "";
    public string Address { get; init; } = "";
    public long PeerAsn { get; init; }
}

public sealed record HubbleSettings
{
    /// <summary>Chart default <c>hubble.enabled: true</c>.</summary>
    public bool Enabled { get; init; } = true;
    public bool Relay { get; init; }
    public HubbleUiSettings Ui { get; init; } = new();
}

public sealed record HubbleUiSettings
{
    public bool Enabled { get; init; }
    public ServiceType ServiceType { get; init; } = ServiceType.ClusterIP;

    /// <summary>DNS name published through external-dns; needs a LoadBalancer service.</summary>
    public string? Hostname { get; init; }
}

/// <summary>Kubernetes Service types, spelled as Kubernetes spells them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServiceType>))]
public enum ServiceType
{
    [JsonStringEnumMemberName("ClusterIP")] ClusterIP,
    [JsonStringEnumMemberName("NodePort")] NodePort,
    [JsonStringEnumMemberName("LoadBalancer")] LoadBalancer,
}

public sealed record HostFirewallSettings
{
    public bool Enabled { get; init; }

    /// <summary>
    /// <c>audit</c> renders <c>policyAuditMode: true</c>: the agents log would-be drops as verdict AUDIT
    /// instead of dropping (cluster-wide, for every policy). <c>enforce</c> renders <c>policyAuditMode: false</c>.
    /// <c>null</c> renders nothing, as revisions made before this member existed did; it enforces
    /// (the chart's default) without the audit gate, which only an explicit <c>enforce</c> passes.
    /// With the host firewall off the mode renders nothing either (it waits for the firewall to be turned on).
    /// </summary>
    public HostFirewallMode? Mode { get; init; }

    /// <summary>Whether the agents drop what host policies deny (enabled, and not in audit mode).</summary>
    [JsonIgnore]
    public bool Enforcing => Enabled && Mode != HostFirewallMode.Audit;

    /// <summary>Whether the host firewall is on in audit mode.</summary>
    [JsonIgnore]
    public bool Auditing => Enabled && Mode == HostFirewallMode.Audit;
}

[JsonConverter(typeof(JsonStringEnumConverter<HostFirewallMode>))]
public enum HostFirewallMode
{
    [JsonStringEnumMemberName("audit")] Audit,
    [JsonStringEnumMemberName("enforce")] Enforce,
}

public sealed record BandwidthManagerSettings
{
    public bool Enabled { get; init; }
    public bool Bbr { get; init; }

    /// <summary>BBR only for the host namespace: the way out where eBPF host routing is unavailable.</summary>
    public bool BbrHostNamespaceOnly { get; init; }
}

public sealed record RoutingSettings
{
    public RoutingMode Mode { get; init; } = RoutingMode.Tunnel;

    /// <summary>
    /// Only allowed in tunnel mode; <c>null</c> means the chart default <c>vxlan</c>
    /// (<c>tunnel-protocol: {{ .Values.tunnelProtocol | default "vxlan" }}</c>).
    /// </summary>
    public TunnelProtocol? TunnelProtocol { get; init; }

    public string? Ipv4NativeRoutingCidr { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<RoutingMode>))]
public enum RoutingMode
{
    [JsonStringEnumMemberName("tunnel")] Tunnel,
    [JsonStringEnumMemberName("native")] Native,
}

[JsonConverter(typeof(JsonStringEnumConverter<TunnelProtocol>))]
public enum TunnelProtocol
{
    [JsonStringEnumMemberName("vxlan")] Vxlan,
    [JsonStringEnumMemberName("geneve")] Geneve,
}

public sealed record BpfSettings
{
    public bool Masquerade { get; init; }
    public bool HostLegacyRouting { get; init; }
}

public sealed record IpamSettings
{
    public IpamMode Mode { get; init; } = IpamMode.Kubernetes;
}

/// <summary>
/// Talos machine-config choices that decide whether Cilium works, so that they can be changed through
/// ControlApi like the Cilium settings. <c>null</c> leaves Talos' own value and is not rendered, so a
/// patch stays as it was until someone sets one.
/// </summary>
public sealed record TalosSettings
{
    /// <summary>
    /// Talos' "forward kube-dns to host DNS" (<c>machine.features.hostDNS.forwardKubeDNSToHost</c>; the
    /// <c>ResolverConfig</c> document's <c>hostDNS</c> from 1.14), on by default from Talos 1.8 and at odds
    /// with Cilium's eBPF host routing (cilium/NOTES.md "Talos-recommended values").
    /// </summary>
    public bool? ForwardKubeDnsToHost { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<IpamMode>))]
public enum IpamMode
{
    [JsonStringEnumMemberName("kubernetes")] Kubernetes,
    [JsonStringEnumMemberName("cluster-pool")] ClusterPool,
    [JsonStringEnumMemberName("multi-pool")] MultiPool,
}
