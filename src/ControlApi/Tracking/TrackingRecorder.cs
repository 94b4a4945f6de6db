using ControlApi.Audit;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using ControlApi.Revisions;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Tracking;

/// <summary>
/// Writes what the tracker decided: a state move with its timeline entry and audit event, or an
/// audit-only step, each with the revision's tracking row, in one transaction. Every write first
/// re-reads the revision and does nothing if it is no longer in the state the decision was made
/// in — so a second tracker, a restart or a newer commit can never record a step twice.
/// </summary>
public sealed class TrackingRecorder(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit)
{
    // Scoped: one recorder per job, so this is the waiting text this job last wrote.
    private readonly Dictionary<long, string> _waiting = [];

    /// <returns>False when the revision had already left <paramref name="from"/>.</returns>
    public async Task<bool> MoveAsync(long revisionId, RevisionState from, RevisionState to, DateTimeOffset at, string reason,
        string auditKind, string summary, object details, Action<RevisionTracking>? update, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        try
        {
            var revision = await db.Revisions.Include(r => r.Timeline).SingleAsync(r => r.Id == revisionId, cancellationToken);
            if (revision.State != from.ToString()) return false;
            // Out of a failure the cluster put right by itself: the timeline entry says so, and one
            // revision.recovered event marks it (the move's own event follows as on the first try).
            var recovered = from.MayRecover() && !to.MayRecover();
            if (recovered)
            {
                reason = $"Recovered from {from}: {reason}";
                await audit.AppendAsync(db, new AuditEntry(AuditKinds.RevisionRecovered, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
                    $"{revision.ClusterId} revision {revision.Number} recovered from {from}: the cluster got there after all",
                    new { from = from.ToString(), to = to.ToString(), failure = revision.StateReason }), cancellationToken);
            }
            RevisionLifecycle.MoveTo(revision, to, at, reason);
            var tracking = await TrackingRowAsync(revisionId, at, cancellationToken);
            update?.Invoke(tracking);
            tracking.Waiting = to.IsTerminal() ? null : tracking.Waiting;
            await audit.AppendAsync(db, new AuditEntry(auditKind, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System, summary, details), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return true;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// An audit event without a state move (reconcile requested, rollout progress), recorded only
    /// if <paramref name="due"/> says it has not been recorded yet, judged on the stored tracking row.
    /// </summary>
    public async Task<bool> NoteAsync(long revisionId, RevisionState state, DateTimeOffset at, Func<RevisionTracking, bool> due, Action<RevisionTracking> update,
        string auditKind, string summary, object details, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        try
        {
            var revision = await db.Revisions.SingleAsync(r => r.Id == revisionId, cancellationToken);
            if (revision.State != state.ToString()) return false;
            var tracking = await TrackingRowAsync(revisionId, at, cancellationToken);
            if (!due(tracking)) return false;
            update(tracking);
            await audit.AppendAsync(db, new AuditEntry(auditKind, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System, summary, details), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return true;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// What the tracker waits on, for the status; written only when it changes, so a busy rollout
    /// waking the tracker many times a second does not write as often.
    /// </summary>
    public Task NoteWaitingAsync(long revisionId, DateTimeOffset at, string waiting, CancellationToken cancellationToken)
    {
        if (_waiting.TryGetValue(revisionId, out var last) && last == waiting) return Task.CompletedTask;
        _waiting[revisionId] = waiting;
        return UpdateAsync(revisionId, at, t => t.Waiting = waiting, cancellationToken);
    }

    /// <summary>Tracking bookkeeping without an audit event (what the tracker waits on, rollout signature).</summary>
    public async Task UpdateAsync(long revisionId, DateTimeOffset at, Action<RevisionTracking> update, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        try
        {
            var tracking = await TrackingRowAsync(revisionId, at, cancellationToken);
            update(tracking);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    public async Task<RevisionTracking?> ReadAsync(long revisionId, CancellationToken cancellationToken) =>
        await db.RevisionTracking.AsNoTracking().SingleOrDefaultAsync(t => t.RevisionId == revisionId, cancellationToken);

    /// <summary>The revision as stored now (state, commit, settings), untracked.</summary>
    /// <summary>The state a failed revision failed from: its last converging timeline entry.</summary>
    public async Task<RevisionState?> StateBeforeFailureAsync(long revisionId, CancellationToken cancellationToken)
    {
        var state = await db.RevisionTransitions.AsNoTracking()
            .Where(t => t.RevisionId == revisionId && RevisionStates.ConvergingNames.Contains(t.State))
            .OrderByDescending(t => t.Id).Select(t => t.State).FirstOrDefaultAsync(cancellationToken);
        return state is null ? null : RevisionStates.Parse(state);
    }

    /// <summary>Whether no later revision of the cluster reached the repository (committed, or further).</summary>
    public async Task<bool> IsNewestInRepositoryAsync(string clusterId, int number, CancellationToken cancellationToken) =>
        !await db.Revisions.AsNoTracking().AnyAsync(r => r.ClusterId == clusterId && r.Number > number && r.CommitSha != null, cancellationToken);

    public async Task<Revision?> RevisionAsync(string clusterId, int number, CancellationToken cancellationToken) =>
        await db.Revisions.AsNoTracking().SingleOrDefaultAsync(r => r.ClusterId == clusterId && r.Number == number, cancellationToken);

    private async Task<RevisionTracking> TrackingRowAsync(long revisionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var tracking = await db.RevisionTracking.SingleOrDefaultAsync(t => t.RevisionId == revisionId, cancellationToken);
        if (tracking is null)
        {
            tracking = new RevisionTracking { RevisionId = revisionId };
            db.RevisionTracking.Add(tracking);
        }
        tracking.UpdatedAt = at;
        return tracking;
    }
}
