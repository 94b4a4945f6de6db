namespace ControlApi.Core.HostFirewall;

/// <summary>
/// What the service knows about a cluster's audit period when a change would start enforcing the
/// host firewall: gathered by the service (revisions, the latest collection of AUDIT verdicts),
/// judged by <see cref="Validation.SettingsValidator"/>.
/// </summary>
/// <param name="Now">The time of the decision.</param>
/// <param name="Window">How far back "recent" reaches (<c>ControlApi:Tracking:HostFirewallAuditWindow</c>).</param>
/// <param name="AuditVerifiedAt">When a revision with the host firewall in audit mode reached Verified in the current audit period; null: never.</param>
/// <param name="CollectedAt">When the agents were last asked for AUDIT verdicts in that period; null: not yet.</param>
/// <param name="Flows">What that collection found (host flows with verdict AUDIT).</param>
/// <param name="OverrideReason">An admin's reason to enforce regardless; null: no override.</param>
public sealed record HostFirewallAuditEvidence(
    DateTimeOffset Now,
    TimeSpan Window,
    DateTimeOffset? AuditVerifiedAt,
    DateTimeOffset? CollectedAt,
    IReadOnlyList<AuditedFlow> Flows,
    string? OverrideReason = null)
{
    /// <summary>Whether audit verdicts were collected after audit mode was verified live, and recently enough to speak for the window.</summary>
    public bool HasAuditPeriod =>
        AuditVerifiedAt is { } verified && CollectedAt is { } collected && collected >= verified && collected >= Now - Window;

    public IReadOnlyList<WouldBeDrop> RequiredDrops => AuditVerdicts.RequiredInWindow(Flows, Window, Now);
}
