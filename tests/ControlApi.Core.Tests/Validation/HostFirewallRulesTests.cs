using ControlApi.Core.HostFirewall;
using ControlApi.Core.Settings;
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
        new("turning audit mode on", Auditing, "host-firewall-audit-mode-is-cluster-wide", "/hostFirewall/mode", IssueSeverity.Warning) { Current = Seed },
        new("enforcing from off without any audit period", Enforcing, "host-firewall-audit-shows-drops", "/hostFirewall/mode", IssueSeverity.Error)
        {
            Current = Seed.WithHostFirewall(false), HostFirewallAudit = NeverAudited,
        },
        new("enforcing out of audit with kube-apiserver drops in the window", Enforcing, "host-firewall-audit-shows-drops", "/hostFirewall/mode", IssueSeverity.Error)
        {
            Current = Auditing, HostFirewallAudit = Audited(Flow("node-01", 6443, Now.AddMinutes(-1))),
        },
        new("leaving audit mode without a mode (legacy enforce) with drops", Seed, "host-firewall-audit-shows-drops", "/hostFirewall/mode", IssueSeverity.Error)
        {
            Current = Auditing, HostFirewallAudit = Audited(Flow("node-01", 6443, Now.AddMinutes(-1))),
        },
        new("audit mode without Hubble to read the verdicts from", Auditing with { Hubble = new HubbleSettings { Enabled = false } },
            "host-firewall-audit-needs-hubble", "/hubble/enabled", IssueSeverity.Warning),
        new("a mode on a host firewall that is off", Seed.WithHostFirewall(false) with { HostFirewall = new HostFirewallSettings { Mode = HostFirewallMode.Audit } },
            "host-firewall-mode-without-host-firewall", "/hostFirewall/mode", IssueSeverity.Warning) { Current = Seed.WithHostFirewall(false) },
        new("an admin's override of the gate", Enforcing, "host-firewall-audit-overridden", "/hostFirewall/mode", IssueSeverity.Warning)
        {
            Current = Auditing, HostFirewallAudit = Audited(Flow("node-01", 6443, Now.AddMinutes(-1))) with { OverrideReason = "lab" },
        },
    };

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static CiliumSettings Auditing => Seed with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } };
    private static CiliumSettings Enforcing => Seed with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Enforce } };
    private static HostFirewallAuditEvidence NeverAudited => new(Now, Window, null, null, []);

    private static HostFirewallAuditEvidence Audited(params AuditedFlow[] flows) =>
        new(Now, Window, Now.AddHours(-2), Now.AddSeconds(-30), flows);

    private static AuditedFlow Flow(string node, int port, DateTimeOffset at, string protocol = "TCP") =>
        new(node, FlowDirections.Ingress, "10.4.0.10", "reserved:remote-node", port, protocol, 1, at, at);

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("a host firewall that is already on", Seed, "host-firewall-audit-first") { Current = Seed },
        new("no host firewall", Seed.WithHostFirewall(false), "host-firewall-audit-first"),
        new("turning the host firewall off", Seed.WithHostFirewall(false), "host-firewall-audit-first") { Current = Seed },
        new("turning it on in audit mode", Auditing, "host-firewall-audit-first") { Current = Seed.WithHostFirewall(false) },
        new("staying in audit mode", Auditing, "host-firewall-audit-mode-is-cluster-wide") { Current = Auditing },
        new("audit mode with Hubble on", Auditing, "host-firewall-audit-needs-hubble"),
        new("turning off a host firewall in audit mode keeps its mode quietly", new CiliumSettings() with { HostFirewall = new HostFirewallSettings { Mode = HostFirewallMode.Audit } },
            "host-firewall-mode-without-host-firewall") { Current = Auditing },
        new("Hubble off while enforcing", Enforcing with { Hubble = new HubbleSettings { Enabled = false } }, "host-firewall-audit-needs-hubble"),
        new("enforcing after a clean audit period", Enforcing, "host-firewall-audit-shows-drops")
        {
            Current = Auditing, HostFirewallAudit = Audited(Flow("node-01", 8080, Now.AddMinutes(-1)), Flow("node-02", 6443, Now.AddMinutes(-16))),
        },
        new("a mode set on a host firewall that already enforces", Enforcing, "host-firewall-audit-shows-drops") { Current = Seed, HostFirewallAudit = NeverAudited },
        new("a change that does not enforce anything new (no evidence asked)", Enforcing, "host-firewall-audit-shows-drops") { Current = Seed.WithHostFirewall(false) },
        new("turning it on without a mode, as before modes existed", Seed, "host-firewall-audit-shows-drops") { Current = Seed.WithHostFirewall(false), HostFirewallAudit = NeverAudited },
        new("no override warning without a refusal", Enforcing, "host-firewall-audit-overridden")
        {
            Current = Auditing, HostFirewallAudit = Audited() with { OverrideReason = "lab" },
        },
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

    [Fact]
    public void The_refusal_names_each_node_port_peer_count_and_last_seen()
    {
        var audit = Audited(Flow("node-01", 6443, Now.AddMinutes(-2)), Flow("node-01", 6443, Now.AddMinutes(-1)), Flow("node-02", 2380, Now.AddMinutes(-3)));

        var error = Assert.Single(SettingsValidator.Validate(Cluster(), Enforcing, Auditing, null, audit).Errors);

        Assert.Equal("host-firewall-audit-shows-drops", error.Code);
        Assert.Contains("node-01 ingress from 10.4.0.10 (reserved:remote-node) port 6443/TCP [kube-apiserver 6443/TCP]: 2 flow(s), last 2026-12-07T11:59:00Z", error.Message);
        Assert.Contains("node-02 ingress from 10.4.0.10 (reserved:remote-node) port 2380/TCP [etcd 2379-2380/TCP]", error.Message);
        Assert.Contains("15 min", error.Message);
    }

    [Fact]
    public void Without_an_audit_period_the_refusal_says_to_run_in_audit_first()
    {
        var error = Assert.Single(SettingsValidator.Validate(Cluster(), Enforcing, Seed.WithHostFirewall(false), null, NeverAudited).Errors);

        Assert.Contains("has not run in audit mode", error.Message);
        Assert.Contains("{\"hostFirewall\":{\"enabled\":true,\"mode\":\"audit\"}}", error.Message);
    }
}
