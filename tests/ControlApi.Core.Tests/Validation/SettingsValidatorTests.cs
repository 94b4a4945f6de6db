using System.Reflection;
using System.Text.RegularExpressions;
using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Tests.Shared;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed partial class SettingsValidatorTests
{
    [Fact]
    public void The_SPEC_example_is_valid_and_warns_about_exposure_the_host_firewall_and_host_DNS()
    {
        var result = SettingsValidator.Validate(DefaultCluster, Seed);

        Assert.Empty(result.Errors);
        Assert.Equal(
            [
                ("host-firewall-audit-first", "/hostFirewall/enabled"),
                ("hubble-ui-exposed-without-authentication", "/hubble/ui/serviceType"),
                ("bbr-conflicts-with-talos-host-dns", "/bandwidthManager/bbr"),
            ],
            result.Warnings.Select(w => (w.Code, w.Pointer)));
        Assert.All(result.Warnings, w => Assert.Equal(IssueSeverity.Warning, w.Severity));
    }

    [Fact]
    public void The_SPEC_example_parsed_from_its_JSON_is_the_seed_and_equally_valid()
    {
        var parsed = SettingsJson.Parse(SeedSettings.Json);

        Assert.True(parsed.Succeeded, parsed.Error);
        Assert.True(parsed.Settings!.SameAs(Seed));
        Assert.Empty(SettingsValidator.Validate(DefaultCluster, parsed.Settings!).Errors);
    }

    [Fact]
    public void The_SPEC_example_applied_again_over_itself_warns_only_about_what_stays_true()
    {
        var result = SettingsValidator.Validate(DefaultCluster, Seed, current: Seed);

        Assert.Empty(result.Errors);
        Assert.Equal(["hubble-ui-exposed-without-authentication", "bbr-conflicts-with-talos-host-dns"], result.Warnings.Select(w => w.Code));
    }

    [Fact]
    public void The_default_settings_are_valid_for_a_default_cluster_without_any_warning()
    {
        var result = SettingsValidator.Validate(DefaultCluster, CiliumSettings.Defaults);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Independent_errors_are_all_reported_at_once()
    {
        var desired = Seed with
        {
            ChartVersion = "1.17.0",
            Encryption = Seed.Encryption with { Enabled = false, NodeEncryption = true },
            Hubble = Seed.Hubble with { Relay = false },
            BandwidthManager = Seed.BandwidthManager with { Enabled = false },
            Routing = new RoutingSettings { Mode = RoutingMode.Native, TunnelProtocol = TunnelProtocol.Vxlan },
            Ipam = new IpamSettings { Mode = IpamMode.ClusterPool },
            Bgp = Seed.Bgp with { Enabled = true, LocalAsn = null },
        };

        var result = SettingsValidator.Validate(DefaultCluster, desired);

        Assert.Equal(
            [
                ("chart-version-unsupported", "/chartVersion"),
                ("node-encryption-needs-encryption", "/encryption/nodeEncryption"),
                ("hubble-ui-needs-relay", "/hubble/ui/enabled"),
                ("bgp-local-asn-required", "/bgp/localAsn"),
                ("bbr-needs-bandwidth-manager", "/bandwidthManager/bbr"),
                ("native-routing-cidr-required", "/routing/ipv4NativeRoutingCidr"),
                ("tunnel-protocol-needs-tunnel-mode", "/routing/tunnelProtocol"),
                ("talos-ipam-must-be-kubernetes", "/ipam/mode"),
            ],
            result.Errors.Select(e => (e.Code, e.Pointer)));
        Assert.All(result.Errors, e => Assert.Equal(IssueSeverity.Error, e.Severity));
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Warnings_travel_with_errors_rather_than_being_dropped()
    {
        var result = SettingsValidator.Validate(DefaultCluster, Seed with { ChartVersion = "1.17.0" });

        Assert.NotEmpty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Code == "host-firewall-audit-first");
    }

    [Fact]
    public void The_same_input_always_gives_the_same_findings()
    {
        var desired = BgpSeed.WithPeer(1, p => p with { Name = "router" }) with { ChartVersion = "2.0.0" };

        var first = SettingsValidator.Validate(DefaultCluster, desired, Seed);
        var second = SettingsValidator.Validate(DefaultCluster, desired, Seed);

        Assert.Equal(first.Errors, second.Errors);
        Assert.Equal(first.Warnings, second.Warnings);
    }

    [Fact]
    public void Missing_cluster_or_settings_are_programming_errors()
    {
        Assert.Throws<ArgumentNullException>(() => SettingsValidator.Validate(null!, Seed));
        Assert.Throws<ArgumentNullException>(() => SettingsValidator.Validate(DefaultCluster, null!));
    }

    public static IEnumerable<string> DeclaredCodes() =>
        typeof(ValidationCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Codes_are_unique_kebab_case_strings()
    {
        var codes = DeclaredCodes().ToList();

        Assert.True(codes.Count >= 30, $"only {codes.Count} codes declared");
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches(KebabCase(), code));
    }

    [Fact]
    public void Every_code_has_a_case_where_it_fires_and_a_case_where_it_stays_quiet()
    {
        var firing = AllFiring().Select(c => c.Code).ToHashSet();
        var quiet = AllQuiet().Select(c => c.Code).ToHashSet();

        var ruleCodes = DeclaredCodes().Where(code => code != ValidationCodes.StringNotRepresentable).ToList();

        Assert.DoesNotContain(ruleCodes, code => !firing.Contains(code));
        Assert.DoesNotContain(ruleCodes, code => !quiet.Contains(code));
    }

    [Fact]
    public void Every_firing_case_reports_a_message_that_says_what_to_do()
    {
        foreach (var @case in AllFiring())
        {
            var issue = @case.Validate().All().Single(i => i.Code == @case.Code);
            Assert.Matches(SaysWhatToDo(), issue.Message);
        }
    }

    // string-not-representable is covered field by field in YamlInjectionTests.
    private static IEnumerable<Fires> AllFiring() =>
        new[]
        {
            EncryptionRulesTests.Firing, HostFirewallRulesTests.Firing, HubbleRulesTests.Firing, BgpRulesTests.Firing,
            BandwidthManagerRulesTests.Firing, RoutingRulesTests.Firing, TalosRulesTests.Firing, ChartVersionRulesTests.Firing,
            ExtraValuesRulesTests.Firing,
        }.SelectMany(data => data.Cast<object[]>().Select(row => (Fires)row[0]));

    private static IEnumerable<Quiet> AllQuiet() =>
        new[]
        {
            EncryptionRulesTests.StayingQuiet, HostFirewallRulesTests.StayingQuiet, HubbleRulesTests.StayingQuiet, BgpRulesTests.StayingQuiet,
            BandwidthManagerRulesTests.StayingQuiet, RoutingRulesTests.StayingQuiet, TalosRulesTests.StayingQuiet, ChartVersionRulesTests.StayingQuiet,
            ExtraValuesRulesTests.StayingQuiet,
        }.SelectMany(data => data.Cast<object[]>().Select(row => (Quiet)row[0]));

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    // A message names a remedy: set/turn/use/remove/add/enable/... or, for informational warnings, what ControlApi does.
    [GeneratedRegex(@"\b(Set|Turn|Use|Remove|Rename|Enable|Keep|Add|Apply|Restrict|Either|Write|Omit|ControlApi adds)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SaysWhatToDo();
}
