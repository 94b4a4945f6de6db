using ControlApi.Core.HostFirewall;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Data;
using ControlApi.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.HostFirewall;

/// <summary>
/// Gathers a cluster's audit period for Core to judge: when audit mode was verified live (the
/// Verified revisions of the current run of audit-mode revisions), and the latest collection of
/// AUDIT verdicts the poll stored with its observation.
/// </summary>
public sealed class HostFirewallAudits(ControlApiDbContext db, IOptions<TrackingOptions> options, TimeProvider time)
{
    /// <summary>Revisions looked back through for the start of the audit run; a run longer than this counts from its newest Verified.</summary>
    private const int RevisionsScanned = 100;

    /// <summary>Observations looked back through for the latest collection (a poll that could not collect stores none).</summary>
    private const int ObservationsScanned = 20;

    public TimeSpan Window => options.Value.HostFirewallAuditWindow;

    public async Task<HostFirewallAuditEvidence> EvidenceAsync(string clusterId, string? overrideReason, CancellationToken cancellationToken)
    {
        var verifiedAt = await AuditVerifiedAtAsync(clusterId, cancellationToken);
        var collection = verifiedAt is null ? null : await LatestCollectionAsync(clusterId, cancellationToken);
        // A collection no agent answered speaks for no node.
        var answered = collection is { Answered: > 0 } ? collection : null;
        return new HostFirewallAuditEvidence(time.GetUtcNow(), Window, verifiedAt, answered?.CollectedAt, answered?.Flows ?? [], overrideReason);
    }

    public async Task<AuditCollection?> LatestCollectionAsync(string clusterId, CancellationToken cancellationToken)
    {
        var snapshots = await db.Observations.AsNoTracking().Where(o => o.ClusterId == clusterId)
            .OrderByDescending(o => o.Id).Take(ObservationsScanned).Select(o => o.SnapshotJson).ToListAsync(cancellationToken);
        return snapshots.Select(ObservationSnapshot.FromJson).Select(s => s?.HostFirewallAudit).FirstOrDefault(c => c is not null);
    }

    /// <summary>
    /// The first Verified time in the newest unbroken run of revisions with the host firewall in audit
    /// mode; null when the newest revision is not in audit mode or none of the run was ever Verified.
    /// </summary>
    private async Task<DateTimeOffset?> AuditVerifiedAtAsync(string clusterId, CancellationToken cancellationToken)
    {
        var verified = nameof(RevisionState.Verified);
        var revisions = await db.Revisions.AsNoTracking().Where(r => r.ClusterId == clusterId)
            .OrderByDescending(r => r.Number).Take(RevisionsScanned)
            .Select(r => new { r.SettingsJson, Verified = r.Timeline.Where(t => t.State == verified).Select(t => t.At).ToList() })
            .ToListAsync(cancellationToken);
        DateTimeOffset? first = null;
        foreach (var revision in revisions)
        {
            if (SettingsJson.Parse(revision.SettingsJson).Settings?.HostFirewall.Auditing != true) break;
            foreach (var at in revision.Verified)
                if (first is null || at < first) first = at;
        }
        return first;
    }
}
