using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation.Rules;

namespace ControlApi.Core.Validation;

/// <summary>
/// Checks desired settings against what Cilium and Talos allow (SPEC §2). Returns every error and
/// warning at once. <paramref name="current"/> (the live revision's settings) lets change warnings
/// say what a transition disrupts.
/// </summary>
public static class SettingsValidator
{
    /// <summary>The rule groups, one per feature; each reports all it finds, in a stable order.</summary>
    private static readonly IReadOnlyList<Func<ValidationContext, IEnumerable<ValidationIssue>>> RuleGroups =
    [
        YamlStringRules.Check,
        ChartVersionRules.Check,
        EncryptionRules.Check,
        HostFirewallRules.Check,
        HubbleRules.Check,
        BgpRules.Check,
        BandwidthManagerRules.Check,
        RoutingRules.Check,
        TalosRules.Check,
        ExtraValuesRules.Check,
    ];

    /// <param name="chart">The chart of the desired version, to check <c>extraValues</c> against its schema; null when not loaded.</param>
    /// <param name="hostFirewallAudit">
    /// The cluster's audit period, supplied by whoever decides a change; a change that starts enforcing the
    /// host firewall is judged on it. Null (re-checking a stored revision, adoption) skips that judgement.
    /// </param>
    public static ValidationResult Validate(ClusterProfile cluster, CiliumSettings desired, CiliumSettings? current = null, Charts.ChartDefinition? chart = null,
        HostFirewall.HostFirewallAuditEvidence? hostFirewallAudit = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(desired);

        var context = new ValidationContext(cluster, desired, current, chart, hostFirewallAudit);
        var issues = RuleGroups.SelectMany(group => group(context)).ToList();
        return new ValidationResult(
            issues.Where(issue => issue.Severity == IssueSeverity.Error).ToList(),
            issues.Where(issue => issue.Severity == IssueSeverity.Warning).ToList());
    }
}
