using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Revisions;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Canary;

/// <summary>What asking to promote a canary came to.</summary>
public abstract record PromoteOutcome
{
    private PromoteOutcome() { }

    public sealed record NoSuchRevision(int Target, int CurrentRevision) : PromoteOutcome;

    /// <summary>The revision cannot be promoted now; <paramref name="Advice"/> says what to do instead.</summary>
    public sealed record NotPromotable(int Number, RevisionState State, string Advice) : PromoteOutcome;

    public sealed record Promoted(Revisions.RevisionResource Revision) : PromoteOutcome;
}

/// <summary>
/// <c>POST /revisions/{n}/promote</c> (operator), chat <c>promote &lt;n&gt;</c> and the soak timer:
/// a verified canary becomes a cluster-wide rollout. The same revision gets a second commit — its
/// settings rendered cluster-wide, the CiliumNodeConfig removed — through the outbox and the commit
/// job like any change, and is tracked from Committed to Verified on every node as usual. Keeping
/// the number keeps the story in one place: the canary's timeline, then the promotion's
/// (<c>canary.promoted</c> in the audit, who and when on the revision).
/// </summary>
public sealed class CanaryPromotion(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    Commits.CommitScheduler commits,
    TimeProvider time,
    ILogger<CanaryPromotion> logger)
{
    public async Task<PromoteOutcome> ApplyAsync(ManagedCluster cluster, int number, string actor, string source, CancellationToken cancellationToken, string? person = null)
    {
        PromoteOutcome outcome;
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken))
        {
            var revision = await db.Revisions.Include(r => r.Timeline).SingleOrDefaultAsync(r => r.ClusterId == cluster.Id && r.Number == number, cancellationToken);
            var newest = await db.Revisions.Where(r => r.ClusterId == cluster.Id).MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0;
            if (revision is null) return new PromoteOutcome.NoSuchRevision(number, newest);
            var state = RevisionStates.Parse(revision.State);
            if (Advice(cluster.Id, number, state, revision.CanarySelector is not null, revision.PromotedAt is not null, newest) is { } advice)
                return new PromoteOutcome.NotPromotable(number, state, advice);

            var now = time.GetUtcNow();
            revision.PromotedAt = now;
            revision.PromotedBy = person ?? actor;
            RevisionLifecycle.MoveTo(revision, RevisionState.CanaryVerified, now, $"Promoted by {person ?? actor}: committing the settings for every node.");
            // The revision's outbox row is armed again (one row per revision): the commit job renders
            // it cluster-wide now that it is promoted, and moves it to Committed.
            var message = await db.Outbox.SingleAsync(m => m.RevisionId == revision.Id, cancellationToken);
            message.ProcessedAt = null;
            message.Attempts = 0;
            message.NextAttemptAt = null;
            message.LastError = null;
            // The promotion commit is followed from Committed afresh: Flux is asked to reconcile again,
            // and the rollout is measured from its own start, not from the canary's bookkeeping.
            await db.RevisionTracking.Where(t => t.RevisionId == revision.Id).ExecuteDeleteAsync(cancellationToken);
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.CanaryPromoted, cluster.Id, number, actor, source,
                $"{cluster.Id} revision {number}: canary on {revision.CanarySelector} promoted to every node by {person ?? actor}",
                new { nodeSelector = revision.CanarySelector, keys = CanaryRecords.Keys(revision), nodes = CanaryRecords.RestartedPods(revision).Keys }, person), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            outcome = new PromoteOutcome.Promoted(RevisionResource.From(revision));
        }
        commits.ScheduleNow(cluster.Id);
        logger.LogInformation("Promoted canary {Cluster}/{Revision} ({Actor})", cluster.Id, number, person ?? actor);
        return outcome;
    }

    /// <summary>Pure: null when the revision can be promoted; otherwise why not and what to do.</summary>
    public static string? Advice(string cluster, int number, RevisionState state, bool canary, bool promoted, int newest)
    {
        var revision = $"/api/v1/clusters/{cluster}/revisions/{number}";
        if (!canary) return $"Revision {number} is not a canary: it rolls out to every node by itself. See GET {revision}.";
        if (promoted) return $"Revision {number} was already promoted; follow it with GET {revision}?waitFor=Verified.";
        if (newest > number && state != RevisionState.CanaryVerified)
            return $"Revision {number} is {state} and revision {newest} is newer: promote nothing older than what the cluster is meant to run. See GET /api/v1/clusters/{cluster}/revisions.";
        return state switch
        {
            RevisionState.CanaryVerified when newest > number =>
                $"Revision {newest} is newer than this canary: promoting {number} would roll older settings out. Promote or roll out revision {newest} instead.",
            RevisionState.CanaryVerified => null,
            RevisionState.Accepted or RevisionState.Committed or RevisionState.CommitFailed or RevisionState.Canary =>
                $"Revision {number} is {state}: the canary is not verified yet. Wait for it (GET {revision}?waitFor=CanaryVerified), then promote.",
            RevisionState.VerificationFailed or RevisionState.RolloutStuck or RevisionState.ReconcileFailed =>
                $"Revision {number} is {state}: the canary failed, so it is not promoted. Roll back (POST /api/v1/clusters/{cluster}/revisions/{Math.Max(0, number - 1)}/rollback) to remove the CiliumNodeConfig, or retrack it once the canary nodes are put right.",
            _ => $"Revision {number} is {state}: it no longer goes live. See GET /api/v1/clusters/{cluster}/revisions.",
        };
    }
}
