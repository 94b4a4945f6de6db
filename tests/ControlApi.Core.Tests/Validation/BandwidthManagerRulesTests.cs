using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class BandwidthManagerRulesTests
{
    public static TheoryData<Fires> Firing => new()
    {
        new("BBR without the bandwidth manager", Seed.WithBandwidth(b => b with { Enabled = false }),
            "bbr-needs-bandwidth-manager", "/bandwidthManager/bbr", IssueSeverity.Error),
        new("host-namespace-only BBR without BBR", Seed.WithBandwidth(b => b with { Bbr = false, BbrHostNamespaceOnly = true }),
            "bbr-host-namespace-only-needs-bbr", "/bandwidthManager/bbrHostNamespaceOnly", IssueSeverity.Error),
        new("BBR for pods without kube-proxy replacement", Seed with { KubeProxyReplacement = false },
            "bbr-needs-kube-proxy-replacement", "/bandwidthManager/bbr", IssueSeverity.Error),
        new("BBR for pods without BPF masquerading", Seed.WithBpf(b => b with { Masquerade = false }),
            "bbr-needs-bpf-masquerade", "/bandwidthManager/bbr", IssueSeverity.Error),
        new("BBR for pods with legacy host routing", Seed.WithBpf(b => b with { HostLegacyRouting = true }),
            "bbr-needs-ebpf-host-routing", "/bandwidthManager/bbr", IssueSeverity.Error),
    };

    private static readonly Core.Settings.CiliumSettings HostOnlyBbrWithLegacyRouting =
        Seed.WithBandwidth(b => b with { BbrHostNamespaceOnly = true }).WithBpf(b => b with { HostLegacyRouting = true, Masquerade = false });

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("BBR with the bandwidth manager", Seed, "bbr-needs-bandwidth-manager"),
        new("neither BBR nor the bandwidth manager", Seed.WithBandwidth(_ => new()), "bbr-needs-bandwidth-manager"),
        new("host-namespace-only BBR with BBR", HostOnlyBbrWithLegacyRouting, "bbr-host-namespace-only-needs-bbr"),
        new("BBR for pods with eBPF host routing", Seed, "bbr-needs-kube-proxy-replacement"),
        new("BBR for pods with eBPF host routing", Seed, "bbr-needs-bpf-masquerade"),
        new("BBR for pods with eBPF host routing", Seed, "bbr-needs-ebpf-host-routing"),
        new("host-namespace-only BBR with legacy host routing and no BPF masquerading", HostOnlyBbrWithLegacyRouting, "bbr-needs-ebpf-host-routing"),
        new("host-namespace-only BBR with legacy host routing and no BPF masquerading", HostOnlyBbrWithLegacyRouting, "bbr-needs-bpf-masquerade"),
        new("the bandwidth manager without BBR on legacy host routing",
            Seed.WithBandwidth(b => b with { Bbr = false }).WithBpf(b => b with { HostLegacyRouting = true }), "bbr-needs-ebpf-host-routing"),
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Fact]
    public void BBR_for_pods_without_any_eBPF_host_routing_prerequisite_reports_each_of_them()
    {
        var desired = Seed.WithBpf(b => b with { Masquerade = false, HostLegacyRouting = true });

        var codes = RuleAssertions.ErrorCodes(desired);

        Assert.Equal(["bbr-needs-bpf-masquerade", "bbr-needs-ebpf-host-routing"], codes);
    }

    [Fact]
    public void The_eBPF_host_routing_errors_offer_host_namespace_only_BBR_as_the_way_out()
    {
        var desired = Seed.WithBpf(b => b with { HostLegacyRouting = true });

        var error = Assert.Single(SettingsValidator.Validate(Cluster(), desired).Errors);

        Assert.Contains("bbrHostNamespaceOnly", error.Message);
    }
}
