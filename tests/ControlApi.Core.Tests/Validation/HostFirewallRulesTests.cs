using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class HostFirewallRulesTests
{
    public static TheoryData<Fires> Firing => new()
    {
        new("turning the host firewall on", Seed,
            "host-firewall-audit-first", "/hostFirewall/enabled", IssueSeverity.Warning)
        {
            Current = Seed.WithHostFirewall(false),
        },
        new("a host firewall with nothing known about the current settings", Seed,
            "host-firewall-audit-first", "/hostFirewall/enabled", IssueSeverity.Warning),
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("a host firewall that is already on", Seed, "host-firewall-audit-first") { Current = Seed },
        new("no host firewall", Seed.WithHostFirewall(false), "host-firewall-audit-first"),
        new("turning the host firewall off", Seed.WithHostFirewall(false), "host-firewall-audit-first") { Current = Seed },
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Fact]
    public void The_host_firewall_warning_tells_to_start_in_audit_mode()
    {
        var warning = Assert.Single(SettingsValidator.Validate(Cluster(), Seed).Warnings, w => w.Code == "host-firewall-audit-first");

        Assert.Contains("policy-audit-mode", warning.Message);
    }
}
