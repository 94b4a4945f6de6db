using ControlApi.Core.Clusters;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;

namespace ControlApi.Core.Tests.Changes;

public sealed class ChangeRiskTests
{
    private static readonly ClusterProfile Cluster = new() { Id = "goldentooth" };
    private static readonly CiliumSettings Seed = CiliumSettings.Defaults with
    {
        Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Wireguard },
        Bgp = new BgpSettings { Enabled = true, LocalAsn = 64512, Peers = [new BgpPeer { Name = "tor-a", Address = "10.0.0.1", PeerAsn = 64513 }] },
    };

    public static TheoryData<string, Func<CiliumSettings, CiliumSettings>, ChangeRisk, string> Changes => new()
    {
        { "Hubble UI only", s => s with { Hubble = s.Hubble with { Relay = true, Ui = s.Hubble.Ui with { Enabled = true } } }, ChangeRisk.Routine, "" },
        { "another BGP peer", s => s with { Bgp = s.Bgp with { Peers = [.. s.Bgp.Peers, new BgpPeer { Name = "tor-b", Address = "10.0.0.2", PeerAsn = 64513 }] } }, ChangeRisk.Routine, "" },
        { "BGP off", s => s with { Bgp = new BgpSettings() }, ChangeRisk.Disruptive, "cilium-config" },
        { "bandwidth manager", s => s with { BandwidthManager = new BandwidthManagerSettings { Enabled = true } }, ChangeRisk.Disruptive, "cilium-config" },
        { "WireGuard off", s => s with { Encryption = s.Encryption with { Enabled = false } }, ChangeRisk.Disruptive, "cilium-config" },
        { "chart version", s => s with { ChartVersion = "1.18.3" }, ChangeRisk.Disruptive, "chartVersion" },
        { "Talos host DNS", s => s with { Talos = new TalosSettings { ForwardKubeDnsToHost = false } }, ChangeRisk.Disruptive, "talos" },
        { "routing mode", s => s with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, ChangeRisk.Dangerous, "routing.mode" },
        { "tunnel protocol", s => s with { Routing = s.Routing with { TunnelProtocol = TunnelProtocol.Geneve } }, ChangeRisk.Dangerous, "routing.tunnelProtocol" },
        { "kube-proxy replacement", s => s with { KubeProxyReplacement = false }, ChangeRisk.Dangerous, "kubeProxyReplacement" },
        { "IPAM mode", s => s with { Ipam = new IpamSettings { Mode = IpamMode.ClusterPool } }, ChangeRisk.Dangerous, "ipam.mode" },
        { "encryption type switch", s => s with { Encryption = s.Encryption with { Type = EncryptionType.Ipsec, IpsecKeySecret = "cilium-ipsec-keys" } }, ChangeRisk.Dangerous, "encryption.type" },
        { "host firewall on", s => s with { HostFirewall = new HostFirewallSettings { Enabled = true } }, ChangeRisk.Dangerous, "hostFirewall.enabled" },
        { "host firewall enforcing", s => s with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Enforce } }, ChangeRisk.Dangerous, "hostFirewall.enabled" },
        { "host firewall in audit mode", s => s with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } }, ChangeRisk.Disruptive, "cilium-config" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Each_change_has_the_class_of_its_riskiest_part(string what, Func<CiliumSettings, CiliumSettings> change, ChangeRisk expected, string subject)
    {
        var assessment = ChangeRisks.Assess(Cluster, Seed, change(Seed));

        Assert.True(expected == assessment.Risk, $"{what}: {assessment.Risk}");
        if (expected == ChangeRisk.Routine) Assert.Empty(assessment.Reasons);
        else Assert.Equal(subject, assessment.Reasons[0].Subject);
    }

    [Fact]
    public void A_disruptive_change_names_the_cilium_config_keys_the_agents_restart_for()
    {
        var assessment = ChangeRisks.Assess(Cluster, Seed, Seed with { BandwidthManager = new BandwidthManagerSettings { Enabled = true } });

        var reason = Assert.Single(assessment.Reasons);
        Assert.Contains("enable-bandwidth-manager", reason.Why);
    }

    [Fact]
    public void Reasons_come_riskiest_first_and_a_dangerous_warning_of_the_rules_counts_once()
    {
        var desired = Seed with { KubeProxyReplacement = false, BandwidthManager = new BandwidthManagerSettings { Enabled = true } };
        var warning = new ValidationIssue("routing-change-disrupts-pod-traffic", "/routing/mode", "Changing routing.mode disrupts pod traffic.", IssueSeverity.Warning);

        var assessment = ChangeRisks.Assess(Cluster, Seed, desired, [warning]);

        Assert.Equal(ChangeRisk.Dangerous, assessment.Risk);
        Assert.Equal([ChangeRisk.Dangerous, ChangeRisk.Dangerous, ChangeRisk.Disruptive], assessment.Reasons.Select(r => r.Risk));
        Assert.Equal("routing-change-disrupts-pod-traffic", assessment.Reasons[1].Subject);
    }

    [Fact]
    public void Leaving_audit_mode_for_enforce_is_dangerous()
    {
        var auditing = Seed with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } };

        var assessment = ChangeRisks.Assess(Cluster, auditing, auditing with { HostFirewall = auditing.HostFirewall with { Mode = HostFirewallMode.Enforce } });

        Assert.Equal(ChangeRisk.Dangerous, assessment.Risk);
        Assert.Equal("hostFirewall.mode", assessment.Reasons[0].Subject);
    }

    [Fact]
    public void No_change_is_routine()
    {
        Assert.Same(RiskAssessment.Routine, ChangeRisks.Assess(Cluster, Seed, Seed));
    }
}
