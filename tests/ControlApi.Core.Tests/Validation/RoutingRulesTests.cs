using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class RoutingRulesTests
{
    public static TheoryData<Fires> Firing => new()
    {
        new("native routing without a native routing CIDR", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = null }),
            "native-routing-cidr-required", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a native routing CIDR without prefix length", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.244.0.0" }),
            "native-routing-cidr-invalid", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a malformed native routing CIDR kept in tunnel mode", Seed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "pods" }),
            "native-routing-cidr-invalid", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a native routing CIDR with host bits", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.244.1.0/16" }),
            "native-routing-cidr-host-bits-set", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("the whole internet as native routing CIDR", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "0.0.0.0/0" }),
            "native-routing-cidr-not-private", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a public native routing CIDR", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "8.8.0.0/16" }),
            "native-routing-cidr-not-private", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a range larger than 10/8, reaching into public space", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.0.0.0/7" }),
            "native-routing-cidr-not-private", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("0.0.0.0/0 kept in tunnel mode, where it still turns masquerading off", Seed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "0.0.0.0/0" }),
            "native-routing-cidr-not-private", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a private range beside the default pod subnet", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "192.168.0.0/16" }),
            "native-routing-cidr-misses-pod-subnet", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a range holding only part of the pod subnet", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.244.0.0/17" }),
            "native-routing-cidr-misses-pod-subnet", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error),
        new("a range that misses the second of two pod subnets", NativeSeed,
            "native-routing-cidr-misses-pod-subnet", "/routing/ipv4NativeRoutingCidr", IssueSeverity.Error)
        {
            Cluster = Cluster(podSubnets: ["10.244.0.0/16", "10.245.0.0/16"]),
        },
        new("a tunnel protocol in native mode", NativeSeed.WithRouting(r => r with { TunnelProtocol = TunnelProtocol.Geneve }),
            "tunnel-protocol-needs-tunnel-mode", "/routing/tunnelProtocol", IssueSeverity.Error),
        new("switching from tunnel to native routing", NativeSeed,
            "routing-change-disrupts-pod-traffic", "/routing/mode", IssueSeverity.Warning) { Current = Seed },
        new("switching from native to tunnel routing", Seed,
            "routing-change-disrupts-pod-traffic", "/routing/mode", IssueSeverity.Warning) { Current = NativeSeed },
        new("switching from VXLAN to Geneve", Seed.WithRouting(r => r with { TunnelProtocol = TunnelProtocol.Geneve }),
            "routing-change-disrupts-pod-traffic", "/routing/tunnelProtocol", IssueSeverity.Warning) { Current = Seed },
        new("switching from the default (VXLAN) to Geneve", Seed.WithRouting(r => r with { TunnelProtocol = TunnelProtocol.Geneve }),
            "routing-change-disrupts-pod-traffic", "/routing/tunnelProtocol", IssueSeverity.Warning)
        {
            Current = Seed.WithRouting(r => r with { TunnelProtocol = null }),
        },
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("native routing with a CIDR", NativeSeed, "native-routing-cidr-required"),
        new("tunnel routing without a CIDR", Seed, "native-routing-cidr-required"),
        new("a valid native routing CIDR", NativeSeed, "native-routing-cidr-invalid"),
        new("a valid CIDR kept in tunnel mode", Seed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.244.0.0/16" }), "native-routing-cidr-invalid"),
        new("a network address", NativeSeed, "native-routing-cidr-host-bits-set"),
        new("the pod subnet itself", NativeSeed, "native-routing-cidr-misses-pod-subnet"),
        new("all of 10/8, around the pod subnet", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.0.0.0/8" }), "native-routing-cidr-misses-pod-subnet"),
        new("a range holding both pod subnets", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.244.0.0/15" }), "native-routing-cidr-misses-pod-subnet")
        {
            Cluster = Cluster(podSubnets: ["10.244.0.0/16", "10.245.0.0/16"]),
        },
        new("RFC 1918 172.16/12 holding a pod subnet there", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "172.16.0.0/12" }), "native-routing-cidr-not-private")
        {
            Cluster = Cluster(podSubnets: ["172.20.0.0/16"]),
        },
        new("RFC 1918 192.168/16 holding a pod subnet there", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "192.168.0.0/16" }), "native-routing-cidr-not-private")
        {
            Cluster = Cluster(podSubnets: ["192.168.128.0/17"]),
        },
        new("RFC 6598 shared space (CGNAT) used for pods", NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "100.64.0.0/10" }), "native-routing-cidr-not-private")
        {
            Cluster = Cluster(podSubnets: ["100.64.0.0/16"]),
        },
        new("a tunnel protocol in tunnel mode", Seed, "tunnel-protocol-needs-tunnel-mode"),
        new("no tunnel protocol in native mode", NativeSeed, "tunnel-protocol-needs-tunnel-mode"),
        new("unchanged routing", Seed, "routing-change-disrupts-pod-traffic") { Current = Seed },
        new("no current settings", NativeSeed, "routing-change-disrupts-pod-traffic"),
        new("an explicit VXLAN replacing the VXLAN default", Seed, "routing-change-disrupts-pod-traffic")
        {
            Current = Seed.WithRouting(r => r with { TunnelProtocol = null }),
        },
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Theory]
    [InlineData("10.244.0.0/16")]
    [InlineData("0.0.0.0/0")]
    [InlineData("10.4.0.1/32")]
    [InlineData("192.168.0.0/24")]
    [InlineData("172.16.0.0/12")]
    public void An_IPv4_network_in_CIDR_notation_is_well_formed_as_native_routing_CIDR(string cidr)
    {
        // Well-formed; whether the range fits the cluster is the business of the range rules.
        var result = SettingsValidator.Validate(Cluster(), NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = cidr }));

        Assert.DoesNotContain(result.Errors, e => e.Code is "native-routing-cidr-invalid" or "native-routing-cidr-host-bits-set");
    }

    [Fact]
    public void The_public_range_error_says_what_it_covers_and_gives_a_patch_with_the_pod_subnet()
    {
        var desired = NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "0.0.0.0/0" });

        var error = Assert.Single(SettingsValidator.Validate(Cluster(), desired).Errors);

        Assert.Contains("the whole internet", error.Message);
        Assert.Contains("""PATCH /api/v1/clusters/goldentooth/cilium with {"routing":{"ipv4NativeRoutingCidr":"10.244.0.0/16"}}""", error.Message);
    }

    [Fact]
    public void The_pod_subnet_error_names_the_subnet_not_covered_and_a_range_covering_all()
    {
        var cluster = Cluster(podSubnets: ["10.244.0.0/16", "10.245.0.0/16"]);

        var error = Assert.Single(SettingsValidator.Validate(cluster, NativeSeed).Errors);

        Assert.Contains("does not contain the pod subnet 10.245.0.0/16", error.Message);
        Assert.Contains("""{"routing":{"ipv4NativeRoutingCidr":"10.244.0.0/15"}}""", error.Message);
    }

    [Fact]
    public void Pod_subnets_no_single_private_range_covers_get_tunnel_mode_as_the_way_out()
    {
        var cluster = Cluster(podSubnets: ["10.244.0.0/16", "192.168.0.0/16"]);

        var error = Assert.Single(SettingsValidator.Validate(cluster, NativeSeed).Errors);

        Assert.Equal("native-routing-cidr-misses-pod-subnet", error.Code);
        Assert.Contains("""{"routing":{"mode":"tunnel","ipv4NativeRoutingCidr":null}}""", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.244.0.0")]
    [InlineData("10.244.0.0/")]
    [InlineData("10.244.0.0/33")]
    [InlineData("10.244.0.0/016")]
    [InlineData("10.244.0.0/-1")]
    [InlineData("10.244.0/16")]
    [InlineData("010.244.0.0/16")]
    [InlineData("10.244.0.256/24")]
    [InlineData("fd00:10:244::/56")]
    [InlineData(" 10.244.0.0/16")]
    [InlineData("10.244.0.0/16 ")]
    [InlineData("10.244.0.0/16,10.245.0.0/16")]
    public void Anything_but_one_IPv4_CIDR_is_refused_as_native_routing_CIDR(string cidr) =>
        RuleAssertions.AssertRefusedAt(NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = cidr }), "native-routing-cidr-invalid", "/routing/ipv4NativeRoutingCidr");

    [Fact]
    public void The_host_bits_error_offers_the_network_address()
    {
        var desired = NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = "10.244.1.7/16" });

        var error = Assert.Single(SettingsValidator.Validate(Cluster(), desired).Errors);

        Assert.Contains("10.244.0.0/16", error.Message);
    }

    [Fact]
    public void The_routing_change_warning_names_the_old_and_new_mode()
    {
        var warning = Assert.Single(SettingsValidator.Validate(Cluster(), NativeSeed, Seed).Warnings, w => w.Code == "routing-change-disrupts-pod-traffic");

        Assert.Contains("tunnel → native", warning.Message);
    }
}
