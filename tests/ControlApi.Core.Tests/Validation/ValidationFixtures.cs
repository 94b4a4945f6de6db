using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;

namespace ControlApi.Core.Tests.Validation;

/// <summary>The settings and clusters the validation tests start from; all immutable.</summary>
internal static class ValidationFixtures
{
    /// <summary>The seed cluster's final state, exactly the SPEC §2 example.</summary>
    public static CiliumSettings Seed { get; } = new()
    {
        ChartVersion = "1.18.2",
        Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Wireguard, NodeEncryption = false },
        Bgp = new BgpSettings
        {
            Enabled = false,
            LocalAsn = 64512,
            Peers = [new BgpPeer { Name = "router", Address = "10.4.0.1", PeerAsn = 64513 }],
            AdvertisePodCidr = true,
        },
        Hubble = new HubbleSettings
        {
            Enabled = true,
            Relay = true,
            Ui = new HubbleUiSettings { Enabled = true, ServiceType = ServiceType.LoadBalancer, Hostname = "hubble.goldentooth.net" },
        },
        HostFirewall = new HostFirewallSettings { Enabled = true },
        BandwidthManager = new BandwidthManagerSettings { Enabled = true, Bbr = true },
        L7Proxy = true,
        KubeProxyReplacement = true,
        Routing = new RoutingSettings { Mode = RoutingMode.Tunnel, TunnelProtocol = TunnelProtocol.Vxlan, Ipv4NativeRoutingCidr = null },
        Bpf = new BpfSettings { Masquerade = true, HostLegacyRouting = false },
        Ipam = new IpamSettings { Mode = IpamMode.Kubernetes },
    };

    /// <summary>Seed with IPsec instead of WireGuard and without what IPsec cannot be combined with.</summary>
    public static CiliumSettings IpsecSeed { get; } = Seed with
    {
        Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = "cilium-ipsec-keys" },
        HostFirewall = new HostFirewallSettings { Enabled = false },
        BandwidthManager = new BandwidthManagerSettings(),
    };

    /// <summary>Seed with BGP on and two valid peers.</summary>
    public static CiliumSettings BgpSeed { get; } = Seed with
    {
        Bgp = Seed.Bgp with
        {
            Enabled = true,
            Peers =
            [
                new BgpPeer { Name = "router", Address = "10.4.0.1", PeerAsn = 64513 },
                new BgpPeer { Name = "router-v6", Address = "fd00:4::1", PeerAsn = 64514 },
            ],
        },
    };

    /// <summary>Seed routed natively instead of tunnelled.</summary>
    public static CiliumSettings NativeSeed { get; } = Seed with
    {
        Routing = new RoutingSettings { Mode = RoutingMode.Native, TunnelProtocol = null, Ipv4NativeRoutingCidr = "10.244.0.0/16" },
    };

    public static ClusterProfile Cluster(string talos = "1.13", bool forwardKubeDnsToHost = true, string chart = "1.18.2", string[]? podSubnets = null) => new()
    {
        Id = "goldentooth",
        Talos = new TalosFacts
        {
            Version = TalosVersion.Parse(talos),
            ForwardKubeDnsToHost = forwardKubeDnsToHost,
            PodSubnets = podSubnets ?? [TalosFacts.DefaultPodSubnet],
        },
        Chart = new ChartSource { Version = chart },
    };

    public static ClusterProfile DefaultCluster { get; } = new() { Id = "goldentooth" };

    // Small "with" helpers so a test states only the member it is about.
    public static CiliumSettings WithEncryption(this CiliumSettings s, Func<EncryptionSettings, EncryptionSettings> change) => s with { Encryption = change(s.Encryption) };
    public static CiliumSettings WithBgp(this CiliumSettings s, Func<BgpSettings, BgpSettings> change) => s with { Bgp = change(s.Bgp) };
    public static CiliumSettings WithHubble(this CiliumSettings s, Func<HubbleSettings, HubbleSettings> change) => s with { Hubble = change(s.Hubble) };
    public static CiliumSettings WithHubbleUi(this CiliumSettings s, Func<HubbleUiSettings, HubbleUiSettings> change) => s with { Hubble = s.Hubble with { Ui = change(s.Hubble.Ui) } };
    public static CiliumSettings WithHostFirewall(this CiliumSettings s, bool enabled) => s with { HostFirewall = new HostFirewallSettings { Enabled = enabled } };
    public static CiliumSettings WithBandwidth(this CiliumSettings s, Func<BandwidthManagerSettings, BandwidthManagerSettings> change) => s with { BandwidthManager = change(s.BandwidthManager) };
    public static CiliumSettings WithRouting(this CiliumSettings s, Func<RoutingSettings, RoutingSettings> change) => s with { Routing = change(s.Routing) };
    public static CiliumSettings WithBpf(this CiliumSettings s, Func<BpfSettings, BpfSettings> change) => s with { Bpf = change(s.Bpf) };
    public static CiliumSettings WithForwardKubeDnsToHost(this CiliumSettings s, bool? forward) => s with { Talos = new TalosSettings { ForwardKubeDnsToHost = forward } };

    public static CiliumSettings WithPeer(this CiliumSettings s, int index, Func<BgpPeer, BgpPeer> change) =>
        s.WithBgp(b => b with { Peers = b.Peers.Select((p, i) => i == index ? change(p) : p).ToList() });

    public static CiliumSettings WithExtraPeer(this CiliumSettings s, BgpPeer peer) =>
        s.WithBgp(b => b with { Peers = [.. b.Peers, peer] });
}

/// <summary>A rule that must fire: on these settings it reports exactly this code at this pointer.</summary>
public sealed record Fires(string Because, CiliumSettings Desired, string Code, string Pointer, IssueSeverity Severity)
{
    public ClusterProfile Cluster { get; init; } = ValidationFixtures.Cluster();
    public CiliumSettings? Current { get; init; }
    public Charts.ChartDefinition? Chart { get; init; }
    public ControlApi.Core.HostFirewall.HostFirewallAuditEvidence? HostFirewallAudit { get; init; }
    public override string ToString() => Because;
}

/// <summary>A rule that must stay quiet: these settings are valid and the code is not reported.</summary>
public sealed record Quiet(string Because, CiliumSettings Desired, string Code)
{
    public ClusterProfile Cluster { get; init; } = ValidationFixtures.Cluster();
    public CiliumSettings? Current { get; init; }
    public Charts.ChartDefinition? Chart { get; init; }
    public ControlApi.Core.HostFirewall.HostFirewallAuditEvidence? HostFirewallAudit { get; init; }
    public override string ToString() => Because;
}

internal static class RuleAssertions
{
    public static ValidationResult Validate(this Fires c) => SettingsValidator.Validate(c.Cluster, c.Desired, c.Current, c.Chart, c.HostFirewallAudit);
    public static ValidationResult Validate(this Quiet c) => SettingsValidator.Validate(c.Cluster, c.Desired, c.Current, c.Chart, c.HostFirewallAudit);

    public static IEnumerable<ValidationIssue> All(this ValidationResult result) => result.Errors.Concat(result.Warnings);

    /// <summary>The case's code is reported exactly once, at the case's pointer, with the case's severity.</summary>
    public static void AssertFires(Fires c)
    {
        var result = c.Validate();
        var issue = Assert.Single(result.All(), i => i.Code == c.Code);
        Assert.Equal(c.Pointer, issue.Pointer);
        Assert.Equal(c.Severity, issue.Severity);
        Assert.Contains(issue, c.Severity == IssueSeverity.Error ? result.Errors : result.Warnings);
        Assert.False(string.IsNullOrWhiteSpace(issue.Message));
    }

    /// <summary>The settings are accepted (no errors at all) and the case's code is not among the warnings either.</summary>
    public static void AssertQuiet(Quiet c)
    {
        var result = c.Validate();
        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.All(), i => i.Code == c.Code);
    }

    /// <summary>The codes of the errors <paramref name="desired"/> gets on <c>Cluster()</c>, in the order they are reported.</summary>
    public static List<string> ErrorCodes(CiliumSettings desired) =>
        SettingsValidator.Validate(ValidationFixtures.Cluster(), desired).Errors.Select(e => e.Code).ToList();

    /// <summary>On <c>Cluster()</c>, exactly one of the errors <paramref name="desired"/> gets has <paramref name="code"/>, and it is at <paramref name="pointer"/>.</summary>
    public static void AssertRefusedAt(CiliumSettings desired, string code, string pointer)
    {
        var result = SettingsValidator.Validate(ValidationFixtures.Cluster(), desired);

        var error = Assert.Single(result.Errors, e => e.Code == code);
        Assert.Equal(pointer, error.Pointer);
    }
}
