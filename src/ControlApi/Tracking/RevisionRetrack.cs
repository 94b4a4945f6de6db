using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Tracking;

/// <summary>What asking to track a revision again came to.</summary>
public abstract record RetrackOutcome
{
    private RetrackOutcome() { }

    public sealed record NoSuchRevision(int Target, int CurrentRevision) : RetrackOutcome;

    /// <summary>The cluster has no Kubernetes access: there is nothing to observe.</summary>
    public sealed record NotConnected : RetrackOutcome;

    /// <summary>The revision is not one a tracker can follow; <paramref name="Advice"/> says what to do instead.</summary>
    public sealed record NotTrackable(int Number, RevisionState State, string Advice) : RetrackOutcome;

    public sealed record Started(int Number, RevisionState State) : RetrackOutcome;
}

/// <summary>
/// <c>POST /revisions/{n}/retrack</c> (operator) and chat: start following a revision again now —
/// one still converging whose tracker gave up (the cluster did not answer for too long), or the
/// newest one in the repository that failed, to see whether the cluster got there after all
/// (a Flux retry, agents that converged late). Audited (<c>revision.retracked</c>); the track job's
/// own lease and state checks make a second tracker harmless.
/// </summary>
public sealed class RevisionRetrack(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit, TrackingRecorder recorder, TrackScheduler scheduler)
{
    /// <param name="person">The person behind the actor (a chat user), for the audit's person filter.</param>
    public async Task<RetrackOutcome> ApplyAsync(ManagedCluster cluster, int number, string actor, string source, CancellationToken cancellationToken, string? person = null)
    {
        if (!cluster.Kubernetes.IsConfigured) return new RetrackOutcome.NotConnected();
        var revision = await db.Revisions.AsNoTracking().SingleOrDefaultAsync(r => r.ClusterId == cluster.Id && r.Number == number, cancellationToken);
        if (revision is null)
        {
            var current = await db.Revisions.Where(r => r.ClusterId == cluster.Id).MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0;
            return new RetrackOutcome.NoSuchRevision(number, current);
        }

        var state = RevisionStates.Parse(revision.State);
        var newest = await recorder.IsNewestInRepositoryAsync(cluster.Id, number, cancellationToken);
        if (Advice(cluster.Id, number, state, newest) is { } advice) return new RetrackOutcome.NotTrackable(number, state, advice);

        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.RevisionRetracked, cluster.Id, number, actor, source,
                $"{cluster.Id} revision {number} ({state}): tracking started again by {person ?? actor}", new { state = state.ToString() }, person), cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        scheduler.Track(cluster.Id, number);
        return new RetrackOutcome.Started(number, state);
    }

    /// <summary>Pure: null when a tracker can follow the revision; otherwise why not and what to do.</summary>
    public static string? Advice(string cluster, int number, RevisionState state, bool newestInRepository) => state switch
    {
        _ when state.IsConverging() => null,
        _ when state.MayRecover() && newestInRepository => null,
        _ when state.MayRecover() =>
            $"Revision {number} is {state} and a newer revision is in the repository: the cluster is meant to run that one. Retrack the newest revision instead (GET /api/v1/clusters/{cluster}/revisions).",
        RevisionState.Accepted or RevisionState.CommitFailed =>
            $"Revision {number} is {state}: it has no commit for Flux to apply yet. The commit job retries it on its own; its reason is on GET /api/v1/clusters/{cluster}/revisions/{number}.",
        RevisionState.Scheduled =>
            $"Revision {number} is Scheduled: it waits for the cluster's change window and is committed when that opens (scheduledFor on GET /api/v1/clusters/{cluster}/revisions/{number}); there is nothing to track before.",
        RevisionState.PendingApproval =>
            $"Revision {number} waits for approval: nothing is committed until someone else approves it (POST /api/v1/clusters/{cluster}/revisions/{number}/approve).",
        RevisionState.Verified =>
            $"Revision {number} is already Verified. To look at the cluster now, POST /api/v1/clusters/{cluster}/reconcile.",
        _ => $"Revision {number} is {state}: nothing about it goes live any more. Retrack the newest revision instead (GET /api/v1/clusters/{cluster}/revisions).",
    };
}
