using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class BgpRulesTests
{
    public static TheoryData<Fires> Firing => new()
    {
        new("BGP without a local ASN", BgpSeed.WithBgp(b => b with { LocalAsn = null }),
            "bgp-local-asn-required", "/bgp/localAsn", IssueSeverity.Error),
        new("BGP without peers", BgpSeed.WithBgp(b => b with { Peers = [] }),
            "bgp-peer-required", "/bgp/peers", IssueSeverity.Error),
        new("a local ASN of 0", BgpSeed.WithBgp(b => b with { LocalAsn = 0 }),
            "bgp-asn-out-of-range", "/bgp/localAsn", IssueSeverity.Error),
        new("a local ASN above 32 bits", BgpSeed.WithBgp(b => b with { LocalAsn = 4_294_967_296 }),
            "bgp-asn-out-of-range", "/bgp/localAsn", IssueSeverity.Error),
        new("a negative peer ASN on the second peer", BgpSeed.WithPeer(1, p => p with { PeerAsn = -1 }),
            "bgp-asn-out-of-range", "/bgp/peers/1/peerAsn", IssueSeverity.Error),
        new("a peer ASN of 0 (omitted)", BgpSeed.WithPeer(0, p => p with { PeerAsn = 0 }),
            "bgp-asn-out-of-range", "/bgp/peers/0/peerAsn", IssueSeverity.Error),
        new("a hostname as peer address", BgpSeed.WithPeer(1, p => p with { Address = "router.lan" }),
            "bgp-peer-address-invalid", "/bgp/peers/1/address", IssueSeverity.Error),
        new("a peer name that is no RFC 1123 label", BgpSeed.WithPeer(1, p => p with { Name = "Router_2" }),
            "bgp-peer-name-invalid", "/bgp/peers/1/name", IssueSeverity.Error),
        new("two peers with one name", BgpSeed.WithPeer(1, p => p with { Name = "router" }),
            "bgp-peer-name-duplicate", "/bgp/peers/1/name", IssueSeverity.Error),
        new("two peers with one address", BgpSeed.WithPeer(1, p => p with { Address = "10.4.0.1" }),
            "bgp-peer-address-duplicate", "/bgp/peers/1/address", IssueSeverity.Error),
        new("two peers with one IPv6 address written two ways",
            BgpSeed.WithPeer(0, p => p with { Address = "fd00:4:0:0::1" }),
            "bgp-peer-address-duplicate", "/bgp/peers/1/address", IssueSeverity.Error),
        new("a malformed peer kept while BGP is off", Seed.WithPeer(0, p => p with { Address = "10.4.0.1/32" }),
            "bgp-peer-address-invalid", "/bgp/peers/0/address", IssueSeverity.Error),
        new("BGP on, which needs NET_BIND_SERVICE", BgpSeed,
            "bgp-adds-net-bind-service", "/bgp/enabled", IssueSeverity.Warning),
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("BGP with a local ASN", BgpSeed, "bgp-local-asn-required"),
        new("BGP off without a local ASN", Seed.WithBgp(b => b with { LocalAsn = null }), "bgp-local-asn-required"),
        new("BGP with peers", BgpSeed, "bgp-peer-required"),
        new("BGP off without peers", Seed.WithBgp(b => b with { Peers = [] }), "bgp-peer-required"),
        new("the smallest ASNs", BgpSeed.WithBgp(b => b with { LocalAsn = 1 }).WithPeer(0, p => p with { PeerAsn = 1 }), "bgp-asn-out-of-range"),
        new("the largest ASNs", BgpSeed.WithBgp(b => b with { LocalAsn = 4_294_967_295 }).WithPeer(0, p => p with { PeerAsn = 4_294_967_295 }), "bgp-asn-out-of-range"),
        new("IPv4 and IPv6 peers", BgpSeed, "bgp-peer-address-invalid"),
        new("distinct peer addresses", BgpSeed, "bgp-peer-address-duplicate"),
        new("valid peer names", BgpSeed, "bgp-peer-name-invalid"),
        new("distinct peer names", BgpSeed, "bgp-peer-name-duplicate"),
        new("BGP off with the seed's peer", Seed, "bgp-adds-net-bind-service"),
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Fact]
    public void BGP_settings_kept_while_BGP_is_off_produce_no_finding_at_all()
    {
        var result = SettingsValidator.Validate(Cluster(), Seed);

        Assert.DoesNotContain(result.All(), i => i.Pointer.StartsWith("/bgp", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.4.0.1")]
    [InlineData("192.168.255.254")]
    [InlineData("127.0.0.1")]
    [InlineData("fd00::1")]
    [InlineData("2001:db8:0:0:0:0:0:10")]
    [InlineData("FD00::A")]
    [InlineData("::ffff:10.4.0.1")]
    public void A_unicast_IP_literal_is_a_valid_peer_address(string address)
    {
        var result = SettingsValidator.Validate(Cluster(), BgpSeed.WithPeer(0, p => p with { Address = address }));

        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("router")]
    [InlineData("10.4.0.1/32")]
    [InlineData("fd00::/64")]
    [InlineData("10.4.0")]
    [InlineData("10.1")]
    [InlineData("1")]
    [InlineData("10.4.0.256")]
    [InlineData("010.4.0.1")]
    [InlineData("0x0a040001")]
    [InlineData(" 10.4.0.1")]
    [InlineData("10.4.0.1 ")]
    [InlineData("10.4.0.1:179")]
    [InlineData("[fd00::1]")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fd00:::1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.5")]
    [InlineData("ff02::5")]
    public void Anything_but_one_unicast_IP_literal_is_refused_as_peer_address(string address) =>
        RuleAssertions.AssertRefusedAt(BgpSeed.WithPeer(1, p => p with { Address = address }), "bgp-peer-address-invalid", "/bgp/peers/1/address");

    [Theory]
    [InlineData("r")]
    [InlineData("tor-1")]
    [InlineData("0router")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void An_RFC_1123_label_is_a_valid_peer_name(string name)
    {
        var result = SettingsValidator.Validate(Cluster(), BgpSeed.WithPeer(1, p => p with { Name = name }));

        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Router")]
    [InlineData("router_2")]
    [InlineData("-router")]
    [InlineData("router-")]
    [InlineData("router.lan")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void A_peer_name_that_is_no_RFC_1123_label_is_refused(string name) =>
        RuleAssertions.AssertRefusedAt(BgpSeed.WithPeer(1, p => p with { Name = name }), "bgp-peer-name-invalid", "/bgp/peers/1/name");

    [Fact]
    public void BGP_without_ASN_and_peers_reports_both()
    {
        var desired = Seed.WithBgp(b => b with { Enabled = true, LocalAsn = null, Peers = [] });

        var codes = RuleAssertions.ErrorCodes(desired);

        Assert.Equal(["bgp-local-asn-required", "bgp-peer-required"], codes);
    }

    [Fact]
    public void Every_broken_peer_is_reported_with_its_own_index()
    {
        var desired = BgpSeed
            .WithPeer(0, p => p with { Address = "router.lan" })
            .WithExtraPeer(new BgpPeer { Name = "Bad Name", Address = "10.4.0.3", PeerAsn = 0 });

        var pointers = SettingsValidator.Validate(Cluster(), desired).Errors.Select(e => e.Pointer).ToList();

        Assert.Equal(["/bgp/peers/0/address", "/bgp/peers/2/name", "/bgp/peers/2/peerAsn"], pointers);
    }

    [Fact]
    public void The_NET_BIND_SERVICE_warning_names_the_capability()
    {
        var warning = Assert.Single(SettingsValidator.Validate(Cluster(), BgpSeed).Warnings, w => w.Code == "bgp-adds-net-bind-service");

        Assert.Contains("NET_BIND_SERVICE", warning.Message);
    }
}
