using System.Globalization;
using ControlApi.Core.Settings;

namespace ControlApi.Core.HostFirewall;

/// <summary>Why enforcing is refused now: no audit period to speak for the window, or required-port drops in it.</summary>
/// <param name="Because">One clause for messages: "the host firewall has not run in audit mode …".</param>
/// <param name="Drops">The required-port would-be drops (empty for a missing audit period).</param>
public sealed record EnforceRefusal(bool NoAuditPeriod, string Because, IReadOnlyList<WouldBeDrop> Drops);

/// <summary>The audit gate in front of host firewall enforcement, decided once for validation and status.</summary>
public static class HostFirewallGate
{
    /// <summary>
    /// A change that starts enforcing host policies: explicitly to <c>enforce</c>, or out of audit mode,
    /// from anything that did not enforce. Enabling without a mode (as before the mode existed) is not
    /// gated: existing scripts and rollbacks keep working, and get the <c>host-firewall-audit-first</c> warning.
    /// </summary>
    public static bool StartsEnforcing(HostFirewallSettings desired, HostFirewallSettings? current) =>
        desired.Enforcing
        && current?.Enforcing != true
        && (desired.Mode == HostFirewallMode.Enforce || current?.Auditing == true);

    /// <summary>Null when the audit period allows enforcing now.</summary>
    public static EnforceRefusal? Judge(HostFirewallAuditEvidence audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        if (!audit.HasAuditPeriod) return new EnforceRefusal(true, NoAuditPeriodBecause(audit), []);
        var drops = audit.RequiredDrops;
        return drops.Count == 0 ? null
            : new EnforceRefusal(false, $"audit mode saw would-be drops to required ports on {string.Join(", ", drops.Select(d => d.Node).Distinct())}", drops);
    }

    private static string NoAuditPeriodBecause(HostFirewallAuditEvidence audit) => audit switch
    {
        { AuditVerifiedAt: null } => "the host firewall has not run in audit mode on this cluster (no revision with hostFirewall.mode 'audit' reached Verified)",
        { CollectedAt: null } => "audit mode is live but no AUDIT verdicts have been collected from the agents yet (POST /reconcile collects them now)",
        { CollectedAt: { } collected, AuditVerifiedAt: { } verified } when collected < verified =>
            "audit mode is live but no AUDIT verdicts have been collected from the agents since (POST /reconcile collects them now)",
        _ => "the last collection of AUDIT verdicts is older than the window (POST /reconcile collects them now)",
    };
}

/// <summary>How the audit window reads in messages: "15 min", "90 s".</summary>
public static class HostFirewallWindow
{
    public static string Text(TimeSpan window) =>
        window.TotalMinutes >= 1 && window.Seconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{window.TotalMinutes:0.#} min")
            : string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds:0.#} s");
}
