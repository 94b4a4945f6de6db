using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Governance;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using ControlApi.Revisions;
using ControlApi.Security;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Approvals;

/// <summary>
/// Who approves or rejects: the authenticated person (an API key's person, a chat user's mapped
/// person — never X-On-Behalf-Of), the key or platform that carried it, and the role it holds.
/// </summary>
public sealed record ApprovalCaller(string Person, string Actor, string Source, Role Role);

/// <summary>Every way an approval or rejection can end.</summary>
public abstract record ApprovalOutcome
{
    private ApprovalOutcome() { }

    /// <summary>Recorded: <paramref name="Revision"/> as it is now; <paramref name="Message"/> says what happened.</summary>
    public sealed record Recorded(RevisionResource Revision, string Message, bool WentAhead) : ApprovalOutcome;

    public sealed record NoSuchRevision(int Number, int CurrentRevision) : ApprovalOutcome;
    public sealed record NotPending(int Number, RevisionState State) : ApprovalOutcome;
    public sealed record Expired(int Number, DateTimeOffset At) : ApprovalOutcome;
    public sealed record ByAuthor(int Number, string Author) : ApprovalOutcome;
    public sealed record NotAnApprover(int Number, Approvers Approvers) : ApprovalOutcome;
    public sealed record Stale(int Number, int RequestedOn, int CurrentRevision) : ApprovalOutcome;
    public sealed record Invalid(int Number, ValidationResult Validation) : ApprovalOutcome;
    public sealed record Blocked(Holds.HoldResource Hold) : ApprovalOutcome;
}

/// <summary>
/// The two-person rule after the request: approvals, rejections and expiry of revisions held in
/// <c>PendingApproval</c>. Each decision is one write turn of the cluster, the turn changes take, so
/// "still current" and "not yet decided" are judged against what no one else changes meanwhile. On the
/// last approval the revision takes the path every accepted change takes: state Accepted, an outbox
/// row and <c>change.accepted</c> in the same turn, then <see cref="Commits.CommitScheduler.ScheduleNow"/>.
/// </summary>
public sealed class ApprovalService(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    RevisionReader reader,
    RevisionBaselines baselines,
    Holds.ClusterHolds holds,
    Governance.ClusterPolicies policies,
    Commits.CommitScheduler commits,
    Metrics.ControlApiMetrics metrics,
    TimeProvider time,
    ILogger<ApprovalService> logger)
{
    public async Task<ApprovalOutcome> ApproveAsync(ManagedCluster cluster, int number, ApprovalCaller caller, CancellationToken cancellationToken)
    {
        // Stored settings never change, so the chart they need is loaded before the turn (it may download).
        var stored = await db.Revisions.AsNoTracking().SingleOrDefaultAsync(r => r.ClusterId == cluster.Id && r.Number == number, cancellationToken);
        if (stored is null) return new ApprovalOutcome.NoSuchRevision(number, (await reader.CurrentAsync(cluster.Id, cancellationToken)).Number);
        var desired = SettingsJson.Parse(stored.SettingsJson).Settings
            ?? throw new InvalidOperationException($"Stored settings of revision {cluster.Id}/{number} no longer parse.");
        var chart = await baselines.LoadAsync(cluster, desired, cancellationToken);

        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken);
        var (revision, approval, refusal) = await PendingAsync(cluster.Id, number, turn, cancellationToken);
        if (refusal is not null) return refusal;

        if (ApprovalRecord.SamePerson(approval!.Author, caller.Person)) return new ApprovalOutcome.ByAuthor(number, approval.Author);
        if (!MayApprove(caller.Role, approval.Approvers)) return new ApprovalOutcome.NotAnApprover(number, approval.Approvers);
        if (approval.ApprovedBy(caller.Person))
            return new ApprovalOutcome.Recorded(Shown(revision!), $"Revision {number} is already approved by you ({caller.Person}); it needs {approval.Required - approval.Approvals.Count} more from someone else.", false);

        // Stale before anything is recorded: an approval of settings that are no longer the base is void.
        var current = await reader.CurrentAsync(cluster.Id, cancellationToken);
        if (current.Number != approval.RequestedOn) return new ApprovalOutcome.Stale(number, approval.RequestedOn, current.Number);

        var now = time.GetUtcNow();
        approval = approval with { Approvals = [.. approval.Approvals, new ApprovalVote(caller.Person, caller.Actor, caller.Source, now)] };
        var enough = approval.Approvals.Count >= approval.Required;
        if (enough)
        {
            // Approval is not a bypass: the change must still pass Core's rules against the settings it will replace now.
            var validation = SettingsValidator.Validate(cluster.Profile, desired, current.Settings, chart.Chart);
            if (!validation.IsValid) return new ApprovalOutcome.Invalid(number, validation);
            if (await holds.BlockingAsync(cluster.Id, approval.Author, cancellationToken) is { } hold) return new ApprovalOutcome.Blocked(hold);
        }

        revision!.ApprovalJson = approval.Serialize();
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.ApprovalGranted, cluster.Id, number, caller.Actor, caller.Source,
            $"{cluster.Id} revision {number} approved by {caller.Person} ({approval.Approvals.Count} of {approval.Required})",
            new { approver = caller.Person, approvals = approval.Approvals.Count, required = approval.Required, author = approval.Author, wentAhead = enough }, caller.Person),
            cancellationToken);
        string message;
        // Approval is no way around the change windows: outside them the approved change waits as
        // Scheduled, and the outbox sweep releases it when the window opens (ScheduledReleases).
        var window = enough
            ? Core.Governance.ChangeWindows.Evaluate((await policies.CurrentAsync(cluster.Id, cancellationToken)).Policy.Windows, now)
            : null;
        if (enough && window is { Open: false })
        {
            var waits = Governance.WindowMessages.Waits(window);
            RevisionLifecycle.MoveTo(revision, RevisionState.Scheduled, now,
                $"Approved by {string.Join(", ", approval.Approvals.Select(a => a.Person))}. {waits}");
            revision.StateReason = waits;
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.ChangeScheduled, cluster.Id, number, revision.Author, revision.Source,
                $"{cluster.Id} revision {number}: approved — {waits}",
                new { approvedBy = approval.Approvals.Select(a => a.Person), risk = approval.Risk, window = window.Why, nextOpen = window.NextOpen }, approval.Author),
                cancellationToken);
            message = $"Revision {number} is approved ({string.Join(", ", approval.Approvals.Select(a => a.Person))}); the change window is closed, so it {Governance.WindowMessages.Opens(window.NextOpen)}.";
        }
        else if (enough)
        {
            RevisionLifecycle.MoveTo(revision, RevisionState.Accepted, now,
                $"Approved by {string.Join(", ", approval.Approvals.Select(a => a.Person))}.");
            db.Outbox.Add(new OutboxMessage { ClusterId = cluster.Id, RevisionId = revision.Id, RevisionNumber = number, CreatedAt = now });
            var changes = SettingsChanges.Describe(current.Settings, desired);
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.ChangeAccepted, cluster.Id, number, revision.Author, revision.Source,
                $"{cluster.Id} revision {number}: {changes}",
                new
                {
                    onBehalfOf = revision.OnBehalfOf, person = approval.Author, reason = revision.Reason, previousRevision = current.Number,
                    rollbackTo = revision.RollbackTo, changes, risk = approval.Risk, approvedBy = approval.Approvals.Select(a => a.Person),
                }, approval.Author), cancellationToken);
            message = $"Revision {number} is approved ({string.Join(", ", approval.Approvals.Select(a => a.Person))}) and goes to the repository now.";
        }
        else
        {
            revision.StateReason = ApprovalMessages.Waiting(approval);
            message = $"Approved by {caller.Person}; revision {number} needs {approval.Required - approval.Approvals.Count} more approval(s).";
        }
        await db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);

        metrics.RecordApprovalDecision(cluster.Id, Metrics.ApprovalDecisions.Granted);
        if (enough)
        {
            metrics.RecordApprovalDecision(cluster.Id, Metrics.ApprovalDecisions.Approved);
            // After the commit: the outbox row is durable, so a lost enqueue is only a delay (the sweep finds it).
            if (window is not { Open: false }) commits.ScheduleNow(cluster.Id);
            logger.LogInformation("Revision {Cluster}/{Revision} approved by {Approvers}", cluster.Id, number, string.Join(", ", approval.Approvals.Select(a => a.Person)));
        }
        return new ApprovalOutcome.Recorded(Shown(revision), message, enough);
    }

    /// <summary>
    /// Rejects a held change with a reason: anyone who may approve it, or its author (who withdraws it).
    /// </summary>
    public async Task<ApprovalOutcome> RejectAsync(ManagedCluster cluster, int number, ApprovalCaller caller, string reason, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken);
        var (revision, approval, refusal) = await PendingAsync(cluster.Id, number, turn, cancellationToken);
        if (refusal is not null) return refusal;
        var withdrawn = ApprovalRecord.SamePerson(approval!.Author, caller.Person);
        if (!withdrawn && !MayApprove(caller.Role, approval.Approvers)) return new ApprovalOutcome.NotAnApprover(number, approval.Approvers);

        var now = time.GetUtcNow();
        var decision = new ApprovalDecision(caller.Person, caller.Actor, caller.Source, now, reason);
        revision!.ApprovalJson = (approval with { Rejection = decision }).Serialize();
        var why = withdrawn ? $"Withdrawn by its author {caller.Person}: {reason}" : $"Rejected by {caller.Person}: {reason}";
        RevisionLifecycle.MoveTo(revision, RevisionState.Rejected, now, why);
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.ApprovalRejected, cluster.Id, number, caller.Actor, caller.Source,
            $"{cluster.Id} revision {number} {(withdrawn ? "withdrawn" : "rejected")} by {caller.Person}: {reason}",
            new { rejectedBy = caller.Person, reason, withdrawn, author = approval.Author, approvals = approval.Approvals.Select(a => a.Person) }, caller.Person),
            cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);
        metrics.RecordApprovalDecision(cluster.Id, Metrics.ApprovalDecisions.Rejected);
        return new ApprovalOutcome.Recorded(Shown(revision), $"Revision {number} is {(withdrawn ? "withdrawn" : "rejected")}; nothing goes to the repository.", false);
    }

    /// <summary>Ends every held change whose time is up (the periodic sweep); returns how many expired.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var pending = nameof(RevisionState.PendingApproval);
        var held = await db.Revisions.AsNoTracking().Where(r => r.State == pending)
            .Select(r => new { r.ClusterId, r.Number, r.ApprovalJson }).ToListAsync(cancellationToken);
        var expired = 0;
        foreach (var cluster in held.Where(h => ApprovalRecord.Parse(h.ApprovalJson)?.IsDue(now) == true).GroupBy(h => h.ClusterId))
        {
            await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Key), cancellationToken);
            foreach (var due in cluster)
            {
                // Read again in the turn: an approval or rejection may have come first.
                var revision = await db.Revisions.Include(r => r.Timeline).SingleAsync(r => r.ClusterId == due.ClusterId && r.Number == due.Number, cancellationToken);
                if (revision.State == pending && ApprovalRecord.Parse(revision.ApprovalJson) is { } approval && approval.IsDue(now))
                {
                    await ExpireAsync(revision, approval, now, cancellationToken);
                    expired++;
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
        return expired;
    }

    public static bool MayApprove(Role role, Approvers approvers) =>
        role.Includes(approvers == Approvers.Operator ? Role.Operator : Role.Approver);

    /// <summary>
    /// The held revision, tracked, or why there is nothing to decide. A request past its time is
    /// expired here and now (committed in this turn), whoever asked first: the sweep or a late approver.
    /// </summary>
    private async Task<(Revision? Revision, ApprovalRecord? Approval, ApprovalOutcome? Refusal)> PendingAsync(
        string clusterId, int number, WriteTurn turn, CancellationToken cancellationToken)
    {
        var revision = await db.Revisions.Include(r => r.Timeline).SingleOrDefaultAsync(r => r.ClusterId == clusterId && r.Number == number, cancellationToken);
        if (revision is null) return (null, null, new ApprovalOutcome.NoSuchRevision(number, (await reader.CurrentAsync(clusterId, cancellationToken)).Number));
        var state = RevisionStates.Parse(revision.State);
        var approval = ApprovalRecord.Parse(revision.ApprovalJson);
        if (state == RevisionState.Expired && approval is not null) return (null, null, new ApprovalOutcome.Expired(number, approval.ExpiresAt));
        if (state != RevisionState.PendingApproval || approval is null) return (null, null, new ApprovalOutcome.NotPending(number, state));
        var now = time.GetUtcNow();
        if (approval.IsDue(now))
        {
            await ExpireAsync(revision, approval, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return (null, null, new ApprovalOutcome.Expired(number, approval.ExpiresAt));
        }
        return (revision, approval, null);
    }

    private async Task ExpireAsync(Revision revision, ApprovalRecord approval, DateTimeOffset now, CancellationToken cancellationToken)
    {
        RevisionLifecycle.MoveTo(revision, RevisionState.Expired, now, ApprovalMessages.Expired(revision.Number, approval.ExpiresAt));
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.ApprovalExpired, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
            $"{revision.ClusterId} revision {revision.Number} expired waiting for approval ({approval.Approvals.Count} of {approval.Required} by {approval.ExpiresAt:u})",
            new { expiresAt = approval.ExpiresAt, approvals = approval.Approvals.Select(a => a.Person), required = approval.Required, author = approval.Author }),
            cancellationToken);
        metrics.RecordApprovalDecision(revision.ClusterId, Metrics.ApprovalDecisions.Expired);
        logger.LogInformation("Revision {Cluster}/{Revision} expired waiting for approval", revision.ClusterId, revision.Number);
    }

    private static RevisionResource Shown(Revision revision) => RevisionResource.From(revision);
}
