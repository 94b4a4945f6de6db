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

        // Said when the mode is set on a firewall that is off, not when a firewall in audit mode is turned off.
        if (!desired.Enabled && desired.Mode is { } idle && current?.Enabled != true && current?.Mode != idle)
            yield return Issue.Warning(HostFirewallModeWithoutHostFirewall, SettingsPointers.HostFirewallMode,
                ValidationMessages.HostFirewallModeWithoutHostFirewall, idle == HostFirewallMode.Audit ? "'audit'" : "'enforce'", context.Cluster.Id);

        // The verdicts are read with `hubble observe` in each agent (policy_verdicts.rst), which needs the local Hubble server.
        if (desired.Auditing && !context.Desired.Hubble.Enabled)
            yield return Issue.Warning(HostFirewallAuditNeedsHubble, SettingsPointers.HubbleEnabled,
                ValidationMessages.HostFirewallAuditNeedsHubble, context.Cluster.Id);

        if (!HostFirewallGate.StartsEnforcing(desired, current) || context.HostFirewallAudit is not { } audit) yield break;
        if (HostFirewallGate.Judge(audit) is not { } refusal) yield break;

        if (audit.OverrideReason is { } reason)
        {
            yield return Issue.Warning(HostFirewallAuditOverridden, SettingsPointers.HostFirewallMode,
                ValidationMessages.HostFirewallAuditOverridden, Display.Quote(reason), refusal.Because, context.Cluster.Id);
            yield break;
        }
        var drops = refusal.Drops;
        var message = refusal.NoAuditPeriod
            ? Format(ValidationMessages.HostFirewallNoAuditPeriod, refusal.Because, context.Cluster.Id, Window(audit.Window))
            : Format(ValidationMessages.HostFirewallAuditShowsDrops, Window(audit.Window), drops.Count,
                string.Join("; ", drops.Take(MaxListed).Select(d => d.ToString())) + (drops.Count > MaxListed ? $"; and {drops.Count - MaxListed} more" : ""),
                context.Cluster.Id);
        yield return new ValidationIssue(HostFirewallAuditShowsDrops, SettingsPointers.HostFirewallMode, message, IssueSeverity.Error);
    }

    private static string Window(TimeSpan window) => HostFirewallWindow.Text(window);

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
