using System.Globalization;

namespace ControlApi.Core.Validation;

/// <summary>RFC 6901 pointers to the camelCase members of the settings JSON (SPEC §2), written once.</summary>
public static class SettingsPointers
{
    public const string ChartVersion = "/chartVersion";

    public const string EncryptionEnabled = "/encryption/enabled";
    public const string EncryptionType = "/encryption/type";
    public const string EncryptionNodeEncryption = "/encryption/nodeEncryption";
    public const string EncryptionIpsecKeySecret = "/encryption/ipsecKeySecret";

    public const string BgpEnabled = "/bgp/enabled";
    public const string BgpLocalAsn = "/bgp/localAsn";
    public const string BgpPeers = "/bgp/peers";

    public const string HubbleEnabled = "/hubble/enabled";
    public const string HubbleRelay = "/hubble/relay";
    public const string HubbleUiEnabled = "/hubble/ui/enabled";
    public const string HubbleUiServiceType = "/hubble/ui/serviceType";
    public const string HubbleUiHostname = "/hubble/ui/hostname";

    public const string HostFirewallEnabled = "/hostFirewall/enabled";
    public const string HostFirewallMode = "/hostFirewall/mode";

    public const string BandwidthManagerEnabled = "/bandwidthManager/enabled";
    public const string BandwidthManagerBbr = "/bandwidthManager/bbr";
    public const string BandwidthManagerBbrHostNamespaceOnly = "/bandwidthManager/bbrHostNamespaceOnly";

    public const string KubeProxyReplacement = "/kubeProxyReplacement";
    public const string L7Proxy = "/l7Proxy";

    public const string RoutingMode = "/routing/mode";
    public const string RoutingTunnelProtocol = "/routing/tunnelProtocol";
    public const string RoutingIpv4NativeRoutingCidr = "/routing/ipv4NativeRoutingCidr";

    public const string BpfMasquerade = "/bpf/masquerade";
    public const string BpfHostLegacyRouting = "/bpf/hostLegacyRouting";

    public const string IpamMode = "/ipam/mode";

    public const string TalosForwardKubeDnsToHost = "/talos/forwardKubeDnsToHost";

    public static string BgpPeer(int index) => $"{BgpPeers}/{index.ToString(CultureInfo.InvariantCulture)}";
    public static string BgpPeerName(int index) => $"{BgpPeer(index)}/name";
    public static string BgpPeerAddress(int index) => $"{BgpPeer(index)}/address";
    public static string BgpPeerAsn(int index) => $"{BgpPeer(index)}/peerAsn";
}
