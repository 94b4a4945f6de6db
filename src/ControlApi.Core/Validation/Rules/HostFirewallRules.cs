using System.Globalization;
using ControlApi.Core.HostFirewall;
using ControlApi.Core.Settings;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>The host firewall: audit before enforce. Its conflict with IPsec lives with the encryption rules.</summary>
internal static class HostFirewallRules
{
    /// <summary>How many would-be drops a message lists; the status shows all.</summary>
    private const int MaxListed = 10;

    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var desired = context.Desired.HostFirewall;
        var current = context.Current?.HostFirewall;

        // cilium/NOTES.md: Host firewall — "The first enforcement may drop replies briefly" (language.rst
        // "Host Policies known issues"). Turning on without a mode keeps the behaviour from before
        // hostFirewall.mode existed (enforce, no gate), so it is warned; with no current settings we
        // cannot know it was on before, so we warn too.
        var wasOn = current?.Enabled ?? false;
        if (desired.Enabled && desired.Mode is null && !wasOn)
            yield return Issue.Warning(HostFirewallAuditFirst, SettingsPointers.HostFirewallEnabled,
                ValidationMessages.HostFirewallAuditFirst, context.Cluster.Id);

        // policy-audit-mode is the daemon's, not the host firewall's (policy_verdicts.rst: "no network policy is enforced").
        if (desired.Auditing && current?.Auditing != true)
            yield return Issue.Warning(HostFirewallAuditModeIsClusterWide, SettingsPointers.HostFirewallMode,
                ValidationMessages.HostFirewallAuditModeIsClusterWide, context.Cluster.Id);

        if (!StartsEnforcing(desired, current) || context.HostFirewallAudit is not { } audit) yield break;

        string? refusal = null;
        string? message = null;
        if (!audit.HasAuditPeriod)
        {
            refusal = NoAuditPeriodBecause(audit);
            message = Format(ValidationMessages.HostFirewallNoAuditPeriod, refusal, context.Cluster.Id, Window(audit.Window));
        }
        else if (audit.RequiredDrops is { Count: > 0 } drops)
        {
            var listed = string.Join("; ", drops.Take(MaxListed).Select(d => d.ToString())) + (drops.Count > MaxListed ? $"; and {drops.Count - MaxListed} more" : "");
            refusal = $"audit mode saw would-be drops to required ports on {string.Join(", ", drops.Select(d => d.Node).Distinct())}";
            message = Format(ValidationMessages.HostFirewallAuditShowsDrops, Window(audit.Window), drops.Count, listed, context.Cluster.Id);
        }
        if (refusal is null) yield break;

        if (audit.OverrideReason is { } reason)
            yield return Issue.Warning(HostFirewallAuditOverridden, SettingsPointers.HostFirewallMode,
                ValidationMessages.HostFirewallAuditOverridden, Display.Quote(reason), refusal, context.Cluster.Id);
        else
            yield return new ValidationIssue(HostFirewallAuditShowsDrops, SettingsPointers.HostFirewallMode, message!, IssueSeverity.Error);
    }

    /// <summary>
    /// A change that starts enforcing host policies: explicitly to <c>enforce</c>, or out of audit mode,
    /// from anything that did not enforce. Enabling without a mode (as before the mode existed) is not
    /// gated: existing scripts and rollbacks keep working, and get the <c>host-firewall-audit-first</c> warning.
    /// </summary>
    public static bool StartsEnforcing(HostFirewallSettings desired, HostFirewallSettings? current) =>
        desired.Enforcing
        && current?.Enforcing != true
        && (desired.Mode == HostFirewallMode.Enforce || current?.Auditing == true);

    private static string NoAuditPeriodBecause(HostFirewallAuditEvidence audit) => audit switch
    {
        { AuditVerifiedAt: null } => "the host firewall has not run in audit mode on this cluster (no revision with hostFirewall.mode 'audit' reached Verified)",
        { CollectedAt: null } => "audit mode is live but no AUDIT verdicts have been collected from the agents yet (POST /reconcile collects them now)",
        { CollectedAt: { } collected, AuditVerifiedAt: { } verified } when collected < verified => "audit mode is live but no AUDIT verdicts have been collected from the agents since (POST /reconcile collects them now)",
        _ => $"the last collection of AUDIT verdicts is older than the {Window(audit.Window)} window (POST /reconcile collects them now)",
    };

    private static string Window(TimeSpan window) =>
        window.TotalMinutes >= 1 && window.Seconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{window.TotalMinutes:0.#} min")
            : string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds:0.#} s");

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
