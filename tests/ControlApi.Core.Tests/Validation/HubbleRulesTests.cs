using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class HubbleRulesTests
{
    private static readonly CiliumSettings InternalUi =
        Seed.WithHubbleUi(u => u with { ServiceType = ServiceType.ClusterIP, Hostname = null });

    public static TheoryData<Fires> Firing => new()
    {
        new("the relay without Hubble",
            Seed.WithHubble(h => h with { Enabled = false, Ui = new HubbleUiSettings() }),
            "hubble-relay-needs-hubble", "/hubble/relay", IssueSeverity.Error),
        new("the UI without Hubble",
            Seed.WithHubble(h => h with { Enabled = false }),
            "hubble-ui-needs-hubble", "/hubble/ui/enabled", IssueSeverity.Error),
        new("the UI without the relay",
            Seed.WithHubble(h => h with { Relay = false }),
            "hubble-ui-needs-relay", "/hubble/ui/enabled", IssueSeverity.Error),
        new("a hostname that is no DNS name",
            Seed.WithHubbleUi(u => u with { Hostname = "hubble_ui.goldentooth.net" }),
            "hubble-ui-hostname-invalid", "/hubble/ui/hostname", IssueSeverity.Error),
        new("a hostname while the UI is off",
            Seed.WithHubbleUi(u => u with { Enabled = false }),
            "hubble-ui-hostname-needs-ui", "/hubble/ui/hostname", IssueSeverity.Error),
        new("a hostname on a ClusterIP Service",
            Seed.WithHubbleUi(u => u with { ServiceType = ServiceType.ClusterIP }),
            "hubble-ui-hostname-needs-load-balancer", "/hubble/ui/hostname", IssueSeverity.Error),
        new("a hostname on a NodePort Service",
            Seed.WithHubbleUi(u => u with { ServiceType = ServiceType.NodePort }),
            "hubble-ui-hostname-needs-load-balancer", "/hubble/ui/hostname", IssueSeverity.Error),
        new("the UI behind a LoadBalancer", Seed,
            "hubble-ui-exposed-without-authentication", "/hubble/ui/serviceType", IssueSeverity.Warning),
        new("the UI on a NodePort",
            Seed.WithHubbleUi(u => u with { ServiceType = ServiceType.NodePort, Hostname = null }),
            "hubble-ui-exposed-without-authentication", "/hubble/ui/serviceType", IssueSeverity.Warning),
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("Hubble with relay", Seed, "hubble-relay-needs-hubble"),
        new("Hubble off with relay off", Seed.WithHubble(_ => new HubbleSettings { Enabled = false }), "hubble-relay-needs-hubble"),
        new("the UI with Hubble and relay", Seed, "hubble-ui-needs-hubble"),
        new("the UI with Hubble and relay", Seed, "hubble-ui-needs-relay"),
        new("Hubble without relay and without UI", Seed.WithHubble(_ => new HubbleSettings { Enabled = true }), "hubble-ui-needs-relay"),
        new("the seed's hostname", Seed, "hubble-ui-hostname-invalid"),
        new("no hostname", InternalUi, "hubble-ui-hostname-invalid"),
        new("a hostname with the UI on", Seed, "hubble-ui-hostname-needs-ui"),
        new("a hostname on a LoadBalancer", Seed, "hubble-ui-hostname-needs-load-balancer"),
        new("no hostname on a ClusterIP Service", InternalUi, "hubble-ui-hostname-needs-load-balancer"),
        new("the UI on a ClusterIP Service", InternalUi, "hubble-ui-exposed-without-authentication"),
        new("a LoadBalancer type kept while the UI is off",
            Seed.WithHubbleUi(u => u with { Enabled = false, Hostname = null }), "hubble-ui-exposed-without-authentication"),
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    // Single labels are refused: external-dns publishes into a zone, so the name needs one.
    [Theory]
    [InlineData("hubble.goldentooth.net")]
    [InlineData("a.io")]
    [InlineData("hubble-ui.k8s.example.co.uk")]
    [InlineData("1hubble.example.net")]
    [InlineData("xn--hbble-kva.example.net")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.net")]
    public void A_lowercase_RFC_1123_name_with_a_zone_is_a_valid_hostname(string hostname)
    {
        var result = SettingsValidator.Validate(Cluster(), Seed.WithHubbleUi(u => u with { Hostname = hostname }));

        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("hubble")]
    [InlineData("Hubble.Goldentooth.net")]
    [InlineData("hubble.goldentooth.net.")]
    [InlineData("-hubble.goldentooth.net")]
    [InlineData("hubble-.goldentooth.net")]
    [InlineData("hubble..goldentooth.net")]
    [InlineData("*.goldentooth.net")]
    [InlineData("hubble.goldentooth.123")]
    [InlineData("10.4.0.20")]
    [InlineData("")]
    [InlineData(" hubble.goldentooth.net")]
    [InlineData("hubble.goldentooth.net:443")]
    [InlineData("https://hubble.goldentooth.net")]
    [InlineData("hübble.goldentooth.net")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.net")]
    public void A_name_outside_RFC_1123_or_without_a_zone_is_refused_as_a_hostname(string hostname) =>
        RuleAssertions.AssertRefusedAt(Seed.WithHubbleUi(u => u with { Hostname = hostname }), "hubble-ui-hostname-invalid", "/hubble/ui/hostname");

    [Fact]
    public void A_hostname_longer_than_253_characters_is_refused_even_with_valid_labels()
    {
        var label = new string('a', 63);
        var hostname = string.Join('.', label, label, label, label); // 255 characters
        var result = SettingsValidator.Validate(Cluster(), Seed.WithHubbleUi(u => u with { Hostname = hostname }));

        Assert.Contains(result.Errors, e => e.Code == "hubble-ui-hostname-invalid");
    }

    [Fact]
    public void The_UI_without_Hubble_and_relay_reports_every_missing_piece()
    {
        var desired = Seed.WithHubble(h => h with { Enabled = false, Relay = false });

        var codes = RuleAssertions.ErrorCodes(desired);

        Assert.Equal(["hubble-ui-needs-hubble", "hubble-ui-needs-relay"], codes);
    }

    [Fact]
    public void The_exposure_warning_says_the_UI_has_no_authentication()
    {
        var warning = Assert.Single(SettingsValidator.Validate(Cluster(), Seed).Warnings, w => w.Code == "hubble-ui-exposed-without-authentication");

        Assert.Contains("no authentication", warning.Message);
        Assert.Contains("""PATCH /api/v1/clusters/goldentooth/cilium with {"hubble":{"ui":{"serviceType":"ClusterIP","hostname":null}}}""", warning.Message);
        Assert.Contains("LoadBalancer", warning.Message);
        var advised = SettingsValidator.Validate(Cluster(), Seed.WithHubbleUi(ui => ui with { ServiceType = ServiceType.ClusterIP, Hostname = null }));
        Assert.Empty(advised.Errors);
        Assert.DoesNotContain(advised.Warnings, w => w.Code == "hubble-ui-exposed-without-authentication");
    }
}
