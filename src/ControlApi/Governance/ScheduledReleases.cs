using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Governance;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using ControlApi.Revisions;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Governance;

/// <summary>
/// Sends Scheduled revisions on when their cluster's change window opens: each becomes Accepted with
/// its outbox row and a <c>change.released</c> event, and the commit job is woken. Judged on the
/// service clock (<see cref="TimeProvider"/>) against the policy in force then. The outbox sweep runs
/// it on every pass (<c>ControlApi:Commits:SweepInterval</c>), on every replica: each cluster's
/// release happens inside that cluster's write turn, where the revisions are read again, so a
/// revision is released exactly once however many replicas sweep.
/// Precondition: a Scheduled revision has no outbox row.
/// </summary>
public sealed class ScheduledReleases(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    ClusterCatalog clusters,
    ClusterPolicies policies,
    Holds.ClusterHolds holds,
    ChangeWindowGate gate,
    AuditLog audit,
    Commits.CommitScheduler commits,
    TimeProvider time,
    ILogger<ScheduledReleases> logger)
{
    /// <summary>Releases what is due in every cluster; returns how many revisions went.</summary>
    public async Task<int> ReleaseDueAsync(CancellationToken cancellationToken)
    {
        const string scheduled = nameof(RevisionState.Scheduled);
        var waiting = await db.Revisions.AsNoTracking().Where(r => r.State == scheduled)
            .Select(r => r.ClusterId).Distinct().ToListAsync(cancellationToken);
        var released = 0;
        foreach (var clusterId in waiting)
        {
            // A cluster no longer configured keeps its revisions as they are; nothing could commit them.
            if (clusters.Find(clusterId) is not { } cluster) continue;
            released += await ReleaseAsync(cluster, cancellationToken);
        }
        return released;
    }

    /// <summary>The cluster's Scheduled revisions, in order, once its window is open; none while a freeze (or someone else's lock) stops changes.</summary>
    public async Task<int> ReleaseAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        var clusterId = cluster.Id;
        const string scheduled = nameof(RevisionState.Scheduled);
        int released;
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(clusterId), cancellationToken))
        {
            var now = time.GetUtcNow();
            var policy = (await policies.CurrentAsync(clusterId, cancellationToken)).Policy;
            var window = ChangeWindows.Evaluate(policy.Windows, now);
            if (!window.Open) return 0;

            // A revision sent on without waiting carries every older scheduled one's settings: those must never be committed after it.
            var newestGoing = await db.Revisions.AsNoTracking().Where(r => r.ClusterId == clusterId && r.State != scheduled)
                .MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0;
            await gate.SupersedeWaitingAsync(clusterId, newestGoing, now, cancellationToken);

            var due = await db.Revisions.Include(r => r.Timeline)
                .Where(r => r.ClusterId == clusterId && r.State == scheduled)
                .OrderBy(r => r.Number).ToListAsync(cancellationToken);
            released = 0;
            foreach (var revision in due)
            {
                // Safety first: the window does not lift a freeze or someone else's lock; the revision keeps waiting and says why (once).
                if (await holds.BlockingAsync(clusterId, revision.OnBehalfOf ?? revision.Author, cancellationToken) is { } hold)
                {
                    RevisionLifecycle.MoveTo(revision, RevisionState.Scheduled, now, WindowMessages.HeldBy(Holds.HoldMessages.Describe(clusterId, hold)));
                    break;
                }
                var why = policy.Windows.Count == 0 ? WindowMessages.ReleasedAfterPolicy : WindowMessages.Released(window);
                RevisionLifecycle.MoveTo(revision, RevisionState.Accepted, now, why);
                db.Outbox.Add(new OutboxMessage { ClusterId = clusterId, RevisionId = revision.Id, RevisionNumber = revision.Number, CreatedAt = now });
                await audit.AppendAsync(db, new AuditEntry(AuditKinds.ChangeReleased, clusterId, revision.Number, AuditSources.System, AuditSources.System,
                    $"{clusterId} revision {revision.Number} released: {why}",
                    new { window = window.Why, closesAt = window.ClosesAt, waitedSince = revision.CreatedAt }, revision.OnBehalfOf), cancellationToken);
                released++;
            }
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        // After the commit, as for a new change: the outbox rows are durable, a lost wake is found by the next sweep.
        if (released > 0)
        {
            commits.ScheduleNow(clusterId);
            logger.LogInformation("Released {Count} scheduled revision(s) of {Cluster}: its change window is open", released, clusterId);
        }
        return released;
    }
}
