using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Revisions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Automatic rollback (per cluster <c>AutoRollback</c>, default <c>ControlApi:Tracking:AutoRollback</c>,
/// off): the newest revision ending ReconcileFailed, RolloutStuck or VerificationFailed makes a
/// rollback to the last Verified revision before it — an ordinary change through
/// <see cref="RevisionRollback"/> (validated, committed, tracked), with source <c>auto-rollback</c>
/// and a reason naming the failure, and one <c>rollback.automatic</c> event (webhooks and Slack
/// carry it). It is tried once per failed revision: by its tracker when it records the failure,
/// and by the poll after that (a replica that died in between); the idempotency key and If-Match on
/// the failed revision make a second try a no-op. A failed automatic rollback is never rolled back.
/// </summary>
public sealed class AutoRollback(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    RevisionRollback rollback,
    IOptions<TrackingOptions> options,
    ILogger<AutoRollback> logger)
{
    public const string Actor = "controlapi";

    public bool IsOn(ManagedCluster cluster) => cluster.AutoRollback ?? options.Value.AutoRollback;

    /// <summary>Whether a failure of this revision is answered by an automatic rollback (never one of a rollback made automatically).</summary>
    public bool Answers(ManagedCluster cluster, RevisionState state, string source) =>
        IsOn(cluster) && state.MayRecover() && source != AuditSources.AutoRollback;

    /// <summary>The automatic rollback made (or refused) for a failed revision, read from its <c>rollback.automatic</c> event.</summary>
    public async Task<AutomaticRollbackRecord?> FindAsync(string clusterId, int failed, CancellationToken cancellationToken)
    {
        var details = await db.AuditEvents.AsNoTracking()
            .Where(e => e.ClusterId == clusterId && e.Revision == failed && e.Kind == AuditKinds.RollbackAutomatic)
            .Select(e => e.DetailsJson).FirstOrDefaultAsync(cancellationToken);
        return details is null ? null : AutomaticRollbackRecord.FromDetails(failed, details);
    }

    public async Task AfterFailureAsync(ManagedCluster cluster, int number, CancellationToken cancellationToken)
    {
        if (!IsOn(cluster)) return;
        var failed = await db.Revisions.AsNoTracking().SingleOrDefaultAsync(r => r.ClusterId == cluster.Id && r.Number == number, cancellationToken);
        if (failed is null || !RevisionStates.Parse(failed.State).MayRecover()) return;
        if (failed.Source == AuditSources.AutoRollback)
        {
            logger.LogInformation("{Cluster} revision {Revision}, an automatic rollback, is {State}; it is not rolled back again", cluster.Id, number, failed.State);
            return;
        }
        if (await db.AuditEvents.AnyAsync(e => e.ClusterId == cluster.Id && e.Revision == number && e.Kind == AuditKinds.RollbackAutomatic, cancellationToken))
            return;

        var verified = nameof(RevisionState.Verified);
        var target = await db.Revisions.AsNoTracking()
            .Where(r => r.ClusterId == cluster.Id && r.Number < number && r.State == verified)
            .MaxAsync(r => (int?)r.Number, cancellationToken);
        if (target is null)
        {
            logger.LogInformation("{Cluster} revision {Revision} is {State} but no earlier revision was Verified; nothing to roll back to", cluster.Id, number, failed.State);
            return;
        }

        var why = $"automatic: revision {number} ended {failed.State} ({failed.StateReason})";
        // If-Match on the failed revision: a change someone made meanwhile wins over going back.
        var outcome = await rollback.ApplyAsync(cluster, target.Value, Actor, AuditSources.AutoRollback, onBehalfOf: null, why, cancellationToken,
            ifMatchRevision: number, idempotencyKey: $"auto-rollback-{number}", requestFingerprint: $"auto-rollback {number} to {target}");
        var (made, refused) = outcome is RollbackOutcome.Ran ran ? ran.Change switch
        {
            ChangeOutcome.Accepted accepted => ((int?)accepted.Change.Revision.Number, (string?)null),
            ChangeOutcome.Rejected rejected => (null, string.Join(", ", rejected.Validation.Errors.Select(e => e.Code).Distinct())),
            ChangeOutcome.AdoptionRequired adoption => (null, adoption.Reason),
            ChangeOutcome.Blocked blocked => (null, Holds.HoldMessages.Describe(cluster.Id, blocked.Hold)),
            _ => (null, null), // replayed, a newer change, or nothing to change: someone already moved on
        } : (null, null);
        if (made is null && refused is null) return;

        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.RollbackAutomatic, cluster.Id, number, Actor, AuditSources.AutoRollback,
            made is { } rollbackRevision
                ? $"{cluster.Id} revision {number} ended {failed.State}: rolled back to revision {target} as revision {rollbackRevision}"
                : $"{cluster.Id} revision {number} ended {failed.State}: the rollback to revision {target} was refused ({refused}); roll back or change by hand",
            new AutomaticRollbackRecord(number, target.Value, made, refused).ToDetails(failed.State, failed.StateReason)), cancellationToken);
        await turn.CommitAsync(cancellationToken);
        logger.LogWarning("{Cluster} revision {Revision} ended {State}; automatic rollback to {Target}: {Result}",
            cluster.Id, number, failed.State, target, made is { } n ? $"revision {n}" : $"refused ({refused})");
    }
}

/// <summary>An automatic rollback as its audit event holds it: the failed revision, the one restored, and the rollback revision made — or why none was.</summary>
public sealed record AutomaticRollbackRecord(int Failed, int To, int? Revision, string? Refused)
{
    public object ToDetails(string state, string? reason) =>
        new { failed = Failed, state, reason, to = To, revision = Revision, refused = Refused };

    public static AutomaticRollbackRecord FromDetails(int failed, string detailsJson)
    {
        var details = System.Text.Json.Nodes.JsonNode.Parse(detailsJson);
        return new AutomaticRollbackRecord(failed, (int?)details?["to"] ?? 0, (int?)details?["revision"], (string?)details?["refused"]);
    }
}
