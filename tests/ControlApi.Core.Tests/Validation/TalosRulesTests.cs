using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class TalosRulesTests
{
    /// <summary>eBPF host routing (KPR + BPF masquerade, no legacy routing) without BBR.</summary>
    private static readonly CiliumSettings EbpfRoutingWithoutBbr = Seed.WithBandwidth(b => b with { Bbr = false });

    public static TheoryData<Fires> Firing => new()
    {
        new("cluster-pool IPAM on Talos", Seed with { Ipam = new IpamSettings { Mode = IpamMode.ClusterPool } },
            "talos-ipam-must-be-kubernetes", "/ipam/mode", IssueSeverity.Error),
        new("multi-pool IPAM on Talos", Seed with { Ipam = new IpamSettings { Mode = IpamMode.MultiPool } },
            "talos-ipam-must-be-kubernetes", "/ipam/mode", IssueSeverity.Error),
        new("kube-proxy replacement off while Talos runs no kube-proxy",
            Seed.WithBandwidth(_ => new()) with { KubeProxyReplacement = false },
            "talos-kube-proxy-replacement-required", "/kubeProxyReplacement", IssueSeverity.Error),
        new("BBR for pods on Talos 1.8 forwarding kube-dns to the host", Seed,
            "bbr-conflicts-with-talos-host-dns", "/bandwidthManager/bbr", IssueSeverity.Warning)
        {
            Cluster = Cluster(talos: "1.8"),
        },
        new("BBR for pods on Talos 1.14 forwarding kube-dns to the host", Seed,
            "bbr-conflicts-with-talos-host-dns", "/bandwidthManager/bbr", IssueSeverity.Warning)
        {
            Cluster = Cluster(talos: "1.14"),
        },
        new("eBPF host routing on Talos 1.13 forwarding kube-dns to the host", EbpfRoutingWithoutBbr,
            "talos-host-dns-needs-legacy-host-routing", "/bpf/hostLegacyRouting", IssueSeverity.Warning),
        new("BBR for pods with the forwarding turned on by the settings, on a cluster whose fact says off", Seed.WithForwardKubeDnsToHost(true),
            "bbr-conflicts-with-talos-host-dns", "/bandwidthManager/bbr", IssueSeverity.Warning)
        {
            Cluster = Cluster(forwardKubeDnsToHost: false),
        },
        new("eBPF host routing with the forwarding turned on by the settings", EbpfRoutingWithoutBbr.WithForwardKubeDnsToHost(true),
            "talos-host-dns-needs-legacy-host-routing", "/bpf/hostLegacyRouting", IssueSeverity.Warning)
        {
            Cluster = Cluster(forwardKubeDnsToHost: false),
        },
        new("the forwarding set on Talos 1.7, whose machine config may not know the field", Seed.WithForwardKubeDnsToHost(false),
            "talos-host-dns-setting-unsupported", "/talos/forwardKubeDnsToHost", IssueSeverity.Error)
        {
            Cluster = Cluster(talos: "1.7"),
        },
        new("the forwarding set on Talos 1.5", Seed.WithForwardKubeDnsToHost(true),
            "talos-host-dns-setting-unsupported", "/talos/forwardKubeDnsToHost", IssueSeverity.Error)
        {
            Cluster = Cluster(talos: "1.5"),
        },
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("Kubernetes IPAM", Seed, "talos-ipam-must-be-kubernetes"),
        new("kube-proxy replacement on", Seed, "talos-kube-proxy-replacement-required"),
        new("BBR for pods on Talos 1.7, before host DNS forwarding", Seed, "bbr-conflicts-with-talos-host-dns")
        {
            Cluster = Cluster(talos: "1.7"),
        },
        new("BBR for pods with host DNS forwarding turned off", Seed, "bbr-conflicts-with-talos-host-dns")
        {
            Cluster = Cluster(forwardKubeDnsToHost: false),
        },
        new("host-namespace-only BBR with legacy host routing, the documented way out",
            Seed.WithBandwidth(b => b with { BbrHostNamespaceOnly = true }).WithBpf(b => b with { HostLegacyRouting = true }),
            "bbr-conflicts-with-talos-host-dns"),
        new("host-namespace-only BBR with legacy host routing, the documented way out",
            Seed.WithBandwidth(b => b with { BbrHostNamespaceOnly = true }).WithBpf(b => b with { HostLegacyRouting = true }),
            "talos-host-dns-needs-legacy-host-routing"),
        new("BBR for pods (warned about with its own code)", Seed, "talos-host-dns-needs-legacy-host-routing"),
        new("legacy host routing as Cilium's Talos guide asks",
            EbpfRoutingWithoutBbr.WithBpf(b => b with { HostLegacyRouting = true }), "talos-host-dns-needs-legacy-host-routing"),
        new("iptables masquerading, where the agent falls back to legacy routing anyway",
            EbpfRoutingWithoutBbr.WithBpf(b => b with { Masquerade = false }), "talos-host-dns-needs-legacy-host-routing"),
        new("IPsec, which forces legacy host routing", IpsecSeed, "talos-host-dns-needs-legacy-host-routing"),
        new("eBPF host routing with host DNS forwarding turned off", EbpfRoutingWithoutBbr, "talos-host-dns-needs-legacy-host-routing")
        {
            Cluster = Cluster(forwardKubeDnsToHost: false),
        },
        new("eBPF host routing on Talos 1.7", EbpfRoutingWithoutBbr, "talos-host-dns-needs-legacy-host-routing")
        {
            Cluster = Cluster(talos: "1.7"),
        },
        new("BBR for pods with the forwarding turned off by the settings (the warning's advice)", Seed.WithForwardKubeDnsToHost(false),
            "bbr-conflicts-with-talos-host-dns"),
        new("eBPF host routing with the forwarding turned off by the settings (the warning's advice)", EbpfRoutingWithoutBbr.WithForwardKubeDnsToHost(false),
            "talos-host-dns-needs-legacy-host-routing"),
        new("the forwarding set on Talos 1.8", Seed.WithForwardKubeDnsToHost(false), "talos-host-dns-setting-unsupported") { Cluster = Cluster(talos: "1.8") },
        new("the forwarding set on Talos 1.14", Seed.WithForwardKubeDnsToHost(false), "talos-host-dns-setting-unsupported") { Cluster = Cluster(talos: "1.14") },
        new("the forwarding left to Talos 1.7", Seed.WithForwardKubeDnsToHost(null), "talos-host-dns-setting-unsupported") { Cluster = Cluster(talos: "1.7") },
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Fact]
    public void The_kube_proxy_replacement_error_explains_that_services_would_not_work()
    {
        var desired = Seed.WithBandwidth(_ => new()) with { KubeProxyReplacement = false };

        var error = Assert.Single(SettingsValidator.Validate(Cluster(), desired).Errors);

        Assert.Contains("no ClusterIP, NodePort or LoadBalancer traffic", error.Message);
    }

    [Fact]
    public void The_BBR_host_DNS_warning_offers_both_ways_out()
    {
        var warning = Assert.Single(SettingsValidator.Validate(Cluster(talos: "1.10"), Seed).Warnings, w => w.Code == "bbr-conflicts-with-talos-host-dns");

        Assert.Contains("""PATCH /api/v1/clusters/goldentooth/cilium with {"bandwidthManager":{"bbrHostNamespaceOnly":true},"bpf":{"hostLegacyRouting":true}}""", warning.Message);
        Assert.Contains("""PATCH /api/v1/clusters/goldentooth/cilium with {"talos":{"forwardKubeDnsToHost":false}}""", warning.Message);
        Assert.Contains("Talos 1.10, like every Talos from 1.8 on, does so by default", warning.Message);
        Assert.DoesNotContain("Talos:ForwardKubeDnsToHost", warning.Message);
    }

    [Fact]
    public void The_legacy_routing_warning_offers_both_ways_out_as_requests_to_ControlApi()
    {
        var warning = Assert.Single(SettingsValidator.Validate(Cluster(), EbpfRoutingWithoutBbr).Warnings, w => w.Code == "talos-host-dns-needs-legacy-host-routing");

        Assert.Contains("""PATCH /api/v1/clusters/goldentooth/cilium with {"bpf":{"hostLegacyRouting":true}}""", warning.Message);
        Assert.Contains("""PATCH /api/v1/clusters/goldentooth/cilium with {"talos":{"forwardKubeDnsToHost":false}}""", warning.Message);
        Assert.DoesNotContain("Talos:ForwardKubeDnsToHost", warning.Message);
    }

    [Fact]
    public void Each_way_out_of_the_host_DNS_warnings_is_accepted_and_silences_them()
    {
        CiliumSettings[] advised =
        [
            Seed.WithBandwidth(b => b with { BbrHostNamespaceOnly = true }).WithBpf(b => b with { HostLegacyRouting = true }),
            Seed.WithForwardKubeDnsToHost(false),
            EbpfRoutingWithoutBbr.WithBpf(b => b with { HostLegacyRouting = true }),
            EbpfRoutingWithoutBbr.WithForwardKubeDnsToHost(false),
        ];

        Assert.All(advised, desired =>
        {
            var result = SettingsValidator.Validate(Cluster(), desired);
            Assert.Empty(result.Errors);
            Assert.DoesNotContain(result.Warnings, w => w.Code is "bbr-conflicts-with-talos-host-dns" or "talos-host-dns-needs-legacy-host-routing");
        });
    }

    [Fact]
    public void BBR_for_pods_on_Talos_with_host_DNS_forwarding_gets_one_DNS_warning_not_two()
    {
        var warnings = SettingsValidator.Validate(Cluster(), Seed).Warnings.Select(w => w.Code).ToList();

        Assert.Contains("bbr-conflicts-with-talos-host-dns", warnings);
        Assert.DoesNotContain("talos-host-dns-needs-legacy-host-routing", warnings);
    }
}
