using CsCheck;
using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// CsCheck generators of settings that are valid by construction under SPEC §2's rules (the
/// validator is another component; these generators encode the rules directly):
/// bbr ⇒ bandwidthManager.enabled, and BBR for pods ⇒ KPR on, bpf.masquerade on, no host legacy
/// routing; bbrHostNamespaceOnly ⇒ bbr; nodeEncryption ⇒ encryption.enabled; hubble.ui ⇒
/// hubble.enabled + relay, relay ⇒ hubble.enabled; hostname ⇒ LoadBalancer and RFC 1123; BGP on ⇒
/// local ASN and ≥ 1 peer with unique RFC 1123 names, IP addresses, ASNs in 1..4294967295;
/// native ⇒ a native routing CIDR and no tunnel protocol; a native routing CIDR private and
/// containing the pod subnet; ipam kubernetes; KPR on (Talos disables
/// kube-proxy); ipsec ⇒ a key secret, no host firewall, no bandwidth manager; chartVersion null
/// or 1.18.x.
/// </summary>
public static class SettingsGenerators
{
    private const long MaxAsn = 4294967295;

    private static readonly Gen<char> LabelStartChar = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"];
    private static readonly Gen<char> LabelInnerChar = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"];

    /// <summary>An RFC 1123 label (1–63 chars, lowercase alphanumerics and inner '-').</summary>
    public static readonly Gen<string> DnsLabel =
        Gen.Select(LabelStartChar, LabelInnerChar.Array[0, 20], LabelStartChar, Gen.Bool,
            (first, inner, last, single) => single ? first.ToString() : first + new string(inner) + last);

    public static readonly Gen<string> DnsSubdomain =
        DnsLabel.Array[1, 4].Select(labels => string.Join('.', labels));

    public static readonly Gen<string> Ipv4Address =
        Gen.Int[0, 255].Array[4].Select(octets => string.Join('.', octets));

    public static readonly Gen<string> Ipv6Address =
        Gen.Int[0, 0xffff].Array[8].Select(groups => System.Net.IPAddress.Parse(string.Join(':', groups.Select(g => g.ToString("x")))).ToString());

    public static readonly Gen<string> IpAddress = Gen.Frequency((3, Ipv4Address), (1, Ipv6Address));

    public static readonly Gen<long> Asn = Gen.Frequency((3, Gen.Long[64512, 65534]), (1, Gen.Long[1, MaxAsn]));

    public static readonly Gen<string?> ChartVersion =
        Gen.Frequency((1, Gen.Const(() => (string?)null)), (3, Gen.Int[0, 20].Select(patch => (string?)$"1.18.{patch}")));

    public static readonly Gen<BgpSettings> Bgp =
        Gen.Bool.SelectMany(enabled => enabled
            ? Gen.Select(Asn, Peers(1, 4), Gen.Bool, (asn, peers, pod) => new BgpSettings { Enabled = true, LocalAsn = asn, Peers = peers, AdvertisePodCidr = pod })
            : Gen.Select(Asn.Nullable(), Peers(0, 2), Gen.Bool, (asn, peers, pod) => new BgpSettings { Enabled = false, LocalAsn = asn, Peers = peers, AdvertisePodCidr = pod }));

    private static Gen<IReadOnlyList<BgpPeer>> Peers(int min, int max) =>
        Gen.Select(DnsLabel, IpAddress, Asn, (name, address, asn) => new BgpPeer { Name = name, Address = address, PeerAsn = asn })
            .List[min, max]
            .Where(peers => peers.Select(p => p.Name).Distinct().Count() == peers.Count)
            .Select(peers => (IReadOnlyList<BgpPeer>)peers);

    public static readonly Gen<HubbleSettings> Hubble =
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Enum<ServiceType>(), DnsSubdomain.Null(),
            (enabled, relay, ui, serviceType, hostname) =>
            {
                relay &= enabled;
                ui &= relay;
                // A hostname is only meaningful (and only valid) with a LoadBalancer service.
                var type = hostname is null ? serviceType : ServiceType.LoadBalancer;
                return new HubbleSettings
                {
                    Enabled = enabled,
                    Relay = relay,
                    Ui = new HubbleUiSettings { Enabled = ui, ServiceType = type, Hostname = hostname },
                };
            });

    /// <summary>
    /// Native routing CIDRs valid for the generated clusters, whose pod subnet is Talos' default 10.244.0.0/16:
    /// the private ranges 10.x.0.0/8 … 10.244.0.0/16 around it.
    /// </summary>
    public static readonly Gen<string> NativeRoutingCidr =
        Gen.Int[8, 16].Select(prefix => ControlApi.Core.Validation.SettingFormats.TryParseIpv4Cidr($"10.244.0.0/{prefix}", out var network)
            ? network
            : throw new InvalidOperationException(prefix.ToString()));

    public static readonly Gen<RoutingSettings> Routing =
        Gen.Bool.SelectMany(native => native
            ? NativeRoutingCidr.Select(cidr => new RoutingSettings { Mode = RoutingMode.Native, TunnelProtocol = null, Ipv4NativeRoutingCidr = cidr })
            : Gen.Select(Gen.Enum<TunnelProtocol>().Nullable(), NativeRoutingCidr.Null(),
                (protocol, cidr) => new RoutingSettings { Mode = RoutingMode.Tunnel, TunnelProtocol = protocol, Ipv4NativeRoutingCidr = cidr }));

    public static readonly Gen<EncryptionSettings> Encryption =
        Gen.Select(Gen.Bool, Gen.Frequency((3, Gen.Const(EncryptionType.Wireguard)), (1, Gen.Const(EncryptionType.Ipsec))), Gen.Bool, DnsSubdomain,
            (enabled, type, nodeEncryption, secret) => new EncryptionSettings
            {
                Enabled = enabled,
                Type = type,
                NodeEncryption = nodeEncryption && enabled,
                IpsecKeySecret = type == EncryptionType.Ipsec ? secret : null,
            });

    public static readonly Gen<CiliumSettings> ValidSettings =
        Gen.Select(ChartVersion, Encryption, Bgp, Hubble, Routing,
                Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool),
                (chart, encryption, bgp, hubble, routing, flags) => (chart, encryption, bgp, hubble, routing, flags))
            .Select(t =>
            {
                var (hostFirewall, bandwidth, bbr, hostNsOnly, l7, masquerade, legacyRouting) = t.flags;
                var ipsec = t.encryption.Type == EncryptionType.Ipsec;
                // IPsec refuses the host firewall and disables the bandwidth manager.
                hostFirewall &= !ipsec;
                bandwidth &= !ipsec;
                bbr &= bandwidth;
                hostNsOnly &= bbr;
                if (bbr && !hostNsOnly)
                {
                    // BBR for pods needs eBPF host routing.
                    masquerade = true;
                    legacyRouting = false;
                }
                return new CiliumSettings
                {
                    ChartVersion = t.chart,
                    Encryption = t.encryption,
                    Bgp = t.bgp,
                    Hubble = t.hubble,
                    HostFirewall = new HostFirewallSettings { Enabled = hostFirewall },
                    BandwidthManager = new BandwidthManagerSettings { Enabled = bandwidth, Bbr = bbr, BbrHostNamespaceOnly = hostNsOnly },
                    L7Proxy = l7,
                    KubeProxyReplacement = true,
                    Routing = t.routing,
                    Bpf = new BpfSettings { Masquerade = masquerade, HostLegacyRouting = legacyRouting },
                    Ipam = new IpamSettings { Mode = IpamMode.Kubernetes },
                };
            });

    /// <summary>Cluster profiles as appsettings may describe them: Talos 1.5–1.14, any release namespace, any KubePrism port.</summary>
    public static readonly Gen<ClusterProfile> Clusters =
        Gen.Select(Gen.Int[5, 14], Gen.OneOf("kube-system", "cilium", "networking"), Gen.OneOf(7445, 13336), Gen.OneOf("cilium", "cni"),
            (minor, ns, port, releaseName) => new ClusterProfile
            {
                Id = "generated",
                Talos = new TalosFacts { Version = new TalosVersion(1, minor), KubePrismPort = port },
                HelmRelease = new ObjectRef(ns, releaseName),
            });
}
