using System.Text.Json;
using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Revisions;

/// <summary>
/// Who asks for a change, why, and under which preconditions. <paramref name="RollbackTo"/> marks a
/// rollback with the revision whose settings it restores. <paramref name="Desire"/> turns the
/// current settings into the desired ones; it runs inside the write turn so a merge patch or a
/// feature switch is applied to the settings it will actually replace.
/// </summary>
public sealed record ChangeRequest(
    ManagedCluster Cluster,
    Func<CiliumSettings, SettingsParseResult> Desire,
    string Actor,
    string Source,
    string? Reason = null,
    string? OnBehalfOf = null,
    int? IfMatchRevision = null,
    string? IdempotencyKey = null,
    string? RequestFingerprint = null,
    string? Person = null,
    int? RollbackTo = null,
    IReadOnlyList<string>? NamedMembers = null)
{
    /// <summary>An admin's reason to commit at once although the change window is closed (X-Change-Window-Override).</summary>
    public Governance.WindowOverride? WindowOverride { get; init; }

    /// <summary>The human behind the change for <c>person=</c> searches: a chat user's name, else X-On-Behalf-Of.</summary>
    public string? PersonOrOnBehalfOf => Person ?? OnBehalfOf;

    /// <summary>
    /// The authenticated person (an API key's person, a chat user's mapped person), never
    /// X-On-Behalf-Of: the author an approver must differ from. Null: <see cref="Person"/>, else the actor.
    /// </summary>
    public string? AuthenticatedPerson { get; init; }

    /// <summary>Who made the change, as approvals count people.</summary>
    public string Author => AuthenticatedPerson ?? Person ?? Actor;

    /// <summary>
    /// The settings members the request names (pointers such as <c>/encryption/enabled</c>); a rendered
    /// value decided by anything else is a side effect the answer points out. Null: a whole replacement,
    /// which names every member it changes.
    /// </summary>
    public IReadOnlyList<string>? NamedMembers { get; init; } = NamedMembers;

    /// <summary>
    /// An admin's reason to enforce the host firewall although its audit gate refuses
    /// (<c>X-Host-Firewall-Override</c>); the endpoint checks the role. Audited as its own event.
    /// </summary>
    public string? HostFirewallOverride { get; init; }
    /// <summary>Set when the change asks for a canary (<c>X-Rollout: canary</c>); null rolls it out everywhere.</summary>
    public Canary.RolloutRequest? Canary { get; init; }
}

/// <summary>Every way a change request can end.</summary>
public abstract record ChangeOutcome
{
    public sealed record Accepted(ChangeResource Change) : ChangeOutcome;
    public sealed record Unchanged(ChangeResource Change) : ChangeOutcome;
    public sealed record Malformed(string Pointer, string Error) : ChangeOutcome;
    public sealed record Rejected(ValidationResult Validation, int CurrentRevision) : ChangeOutcome;
    public sealed record PreconditionFailed(int CurrentRevision) : ChangeOutcome;
    public sealed record IdempotencyKeyReused(string Key) : ChangeOutcome;

    /// <summary>
    /// A retry with the same <c>Idempotency-Key</c> and request: <paramref name="First"/> is how the first
    /// request ended (<see cref="Accepted"/> or <see cref="Unchanged"/>), to be answered again as it was.
    /// </summary>
    public sealed record Replayed(ChangeOutcome First) : ChangeOutcome;

    /// <summary>The repository holds a Cilium release ControlApi did not write; it must be adopted first.</summary>
    public sealed record AdoptionRequired(string Reason) : ChangeOutcome;

    /// <summary>A freeze, or someone else's lock, stops changes to the cluster now.</summary>
    public sealed record Blocked(Holds.HoldResource Hold) : ChangeOutcome;
    /// <summary>The change asked for a canary it cannot have; each reason says why, <paramref name="Advice"/> what to do.</summary>
    public sealed record CanaryRefused(IReadOnlyList<string> Reasons, string Advice) : ChangeOutcome;

    /// <summary>The change window is closed and the cluster's policy refuses changes outside it (423); nothing stored.</summary>
    public sealed record OutsideWindow(Core.Governance.WindowState Window) : ChangeOutcome;

    /// <summary>A window override from someone who is not an admin (403); nothing stored.</summary>
    public sealed record WindowOverrideForbidden(string Actor) : ChangeOutcome;
}

/// <summary>
/// The one path every change takes (API, features, chatops, rollback): validate with Core, then
/// write revision + outbox row + audit event in one transaction (shared by the changes waiting for
/// the same cluster at the time: <see cref="ChangeGroups"/>). Nothing is stored for a rejected
/// change except its <c>change.rejected</c> audit event.
/// </summary>
public sealed class ChangeService(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    RevisionReader reader,
    Commits.CommitScheduler commits,
    Adoption.AdoptionStatus adoption,
    RevisionBaselines baselines,
    Holds.ClusterHolds holds,
    HostFirewall.HostFirewallAudits hostFirewallAudits,
    Governance.ChangeWindowGate windows,
    Approvals.ApprovalGate approvals,
    ChangeGroups groups,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ChangeService> logger)
{
    public async Task<ChangeOutcome> ApplyAsync(ChangeRequest request, CancellationToken cancellationToken)
    {
        var clusterId = request.Cluster.Id;

        // Outside the write turn: these may read the repository or download the chart.
        // An unreadable repository does not stop the change here; the commit job checks again before it writes.
        if (await adoption.GetAsync(request.Cluster, fresh: false, cancellationToken) is Adoption.AdoptionState.Unadopted unadopted)
            return new ChangeOutcome.AdoptionRequired(unadopted.Reason);
        var chart = await baselines.ChartForAsync(request.Cluster, request.Desire, cancellationToken);

        return await groups.RunAsync(clusterId, new QueuedChange(request, chart, cancellationToken), LeadAsync);
    }

    /// <summary>
    /// The number the next revision of a group's turn takes, once one change has numbered its own:
    /// only this turn numbers the cluster's revisions while it is held, so the others need not ask.
    /// </summary>
    private sealed class TurnNumbering
    {
        public int? NextNumber;
    }

    /// <summary>A change's outcome, and what follows once its turn is committed (the commit job's wake-up, the log line).</summary>
    private sealed record Applied(ChangeOutcome Outcome, Action? AfterCommit = null)
    {
        public static implicit operator Applied(ChangeOutcome outcome) => new(outcome);
    }

    /// <summary>
    /// Runs a group of one cluster's changes (<see cref="ChangeGroups"/>) in one write turn, one after
    /// the other as if each had its own turn: each reads what the ones before it wrote. A change that
    /// throws is answered with its error, and the turn is rolled back and run again without it, so it
    /// fails no other. Nothing is answered before the commit: an answer never names a revision the
    /// database could still lose. The group runs on this request's context and to the end whoever
    /// leaves: its token is the host's, and a change whose requester left before the group started is skipped.
    /// </summary>
    private async Task LeadAsync(IReadOnlyList<QueuedChange> group)
    {
        var stopping = lifetime.ApplicationStopping;
        var pending = new List<QueuedChange>(group.Count);
        foreach (var change in group)
        {
            if (change.CancellationToken.IsCancellationRequested) change.Fail(new OperationCanceledException(change.CancellationToken));
            else pending.Add(change);
        }
        while (pending.Count > 0)
        {
            var applied = new List<(QueuedChange Change, Applied Result)>(pending.Count);
            (QueuedChange Change, Exception Error)? failed = null;
            try
            {
                await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(pending[0].Request.Cluster.Id), stopping);
                var numbering = new TurnNumbering();
                foreach (var change in pending)
                {
                    try
                    {
                        applied.Add((change, await ApplyInTurnAsync(change.Request, change.Chart, numbering, stopping)));
                    }
                    catch (Exception ex)
                    {
                        failed = (change, ex);
                        break;
                    }
                    // Its rows are saved: the next change's saves need not scan them again.
                    db.ChangeTracker.Clear();
                }
                if (failed is null) await turn.CommitAsync(stopping);
            }
            catch (Exception ex)
            {
                // The turn could not begin or commit: nothing of the group is stored, and each is told so.
                db.ChangeTracker.Clear();
                foreach (var change in pending) change.Fail(ex);
                return;
            }
            db.ChangeTracker.Clear();
            if (failed is { } f)
            {
                if (pending.Count > 1)
                    logger.LogWarning(f.Error, "A change to {Cluster} failed in a group of {Count}; the others are run again without it", f.Change.Request.Cluster.Id, pending.Count);
                f.Change.Fail(f.Error);
                pending.Remove(f.Change);
                continue;
            }
            foreach (var (change, result) in applied)
            {
                // Stored and committed whatever follows: a failed wake-up (the job storage down) is
                // only a delay — the outbox sweep finds the row — and must not turn this change, or
                // the rest of its group, into an error.
                try
                {
                    result.AfterCommit?.Invoke();
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "After committing a change to {Cluster}: its commit job could not be woken; the outbox sweep will start it", change.Request.Cluster.Id);
                }
                change.Complete(result.Outcome);
            }
            return;
        }
    }

    /// <summary>One change inside its group's write turn; whatever it writes is saved, and committed with the group.</summary>
    private async Task<Applied> ApplyInTurnAsync(ChangeRequest request, ChartContext chart, TurnNumbering numbering, CancellationToken cancellationToken)
    {
        var clusterId = request.Cluster.Id;
        if (request.IdempotencyKey is { } key)
        {
            var earlier = await db.IdempotencyRecords.AsNoTracking()
                .FirstOrDefaultAsync(r => r.ClusterId == clusterId && r.Key == key, cancellationToken);
            if (earlier is not null)
            {
                return earlier.RequestHash == request.RequestFingerprint
                    ? new ChangeOutcome.Replayed(Remembered(earlier))
                    : new ChangeOutcome.IdempotencyKeyReused(key);
            }
        }

        // Inside the turn: a freeze or lock and a change never cross. A retried request was answered above, as it was then.
        if (await holds.BlockingAsync(clusterId, request.PersonOrOnBehalfOf ?? request.Author, cancellationToken) is { } hold)
        {
            await audit.AppendAsync(db, new AuditEntry(
                AuditKinds.ChangeBlocked, clusterId, null, request.Actor, request.Source,
                $"change to {clusterId} refused: {Holds.HoldMessages.Describe(clusterId, hold)}",
                new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, hold = hold.Kind, holder = hold.Holder, holdReason = hold.Reason },
                request.PersonOrOnBehalfOf),
                cancellationToken);
            return new ChangeOutcome.Blocked(hold);
        }

        var current = await reader.CurrentAsync(clusterId, cancellationToken);
        if (request.IfMatchRevision is { } expected && expected != current.Number)
            return new ChangeOutcome.PreconditionFailed(current.Number);

        var desire = request.Desire(current.Settings);
        if (desire.Settings is not { } desired) return new ChangeOutcome.Malformed(desire.Pointer ?? "", desire.Error ?? "The settings could not be read.");

        // Only a change that starts enforcing the host firewall is judged on the audit period; a rollback
        // restores settings that already ran, and must never be stuck behind the gate (automatic ones above all).
        var hostFirewallAudit = request.RollbackTo is null && Core.HostFirewall.HostFirewallGate.StartsEnforcing(desired.HostFirewall, current.Settings.HostFirewall)
            ? await hostFirewallAudits.EvidenceAsync(clusterId, request.HostFirewallOverride, cancellationToken)
            : null;
        var validation = SettingsValidator.Validate(request.Cluster.Profile, desired, current.Settings, chart.Chart, hostFirewallAudit);
        var warnings = validation.Warnings.Select(IssueResource.From).ToList();
        if (!validation.IsValid)
        {
            await audit.AppendAsync(db, new AuditEntry(
                AuditKinds.ChangeRejected, clusterId, null, request.Actor, request.Source,
                $"change to {clusterId} rejected: {string.Join(", ", validation.Errors.Select(e => e.Code).Distinct())}",
                new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, errors = validation.Errors.Select(IssueResource.From) },
                request.PersonOrOnBehalfOf),
                cancellationToken);
            return new ChangeOutcome.Rejected(validation, current.Number);
        }

        if (desired.SameAs(current.Settings))
        {
            var unchanged = new ChangeResource(clusterId, true, current, warnings);
            await RememberAsync(request, RememberedOutcome.Unchanged, unchanged, cancellationToken);
            return new ChangeOutcome.Unchanged(unchanged);
        }

        Core.Canary.NodeSelector? canaryNodes = null;
        IReadOnlyDictionary<string, string>? canaryKeys = null;
        if (request.Canary is { } rollout)
        {
            switch (await PlanCanaryAsync(request.Cluster, rollout, current, desired, cancellationToken))
            {
                case (null, null, var canaryRefused):
                    return canaryRefused!;
                case var (nodes, keys, _):
                    (canaryNodes, canaryKeys) = (nodes, keys);
                    break;
            }
        }

        // Inside the turn, after the rules: a change the rules refuse is told so first, and a policy replacement cannot cross it.
        var window = await windows.DecideAsync(request, cancellationToken);
        if (await windows.RefusalAsync(request, window, cancellationToken) is { } refused)
        {
            return refused;
        }

        var values = await baselines.DescribeAsync(request.Cluster, current, desired, chart, cancellationToken);
        var sideEffects = Core.Values.SideEffects.Of(values, current.Settings, desired, request.NamedMembers);
        var risk = ChangeRisks.Assess(request.Cluster.Profile, current.Settings, desired, validation.Warnings);
        var now = time.GetUtcNow();
        // A change the policy holds for approval is stored and numbered, but is not the settings until approved.
        var approval = await approvals.HoldAsync(clusterId, risk.Risk, current.Number, request.Author, now, cancellationToken);
        // Approval first: a held change is judged by the window again when it is approved.
        var waits = approval is null && window is Governance.WindowDecision.Wait wait ? Governance.WindowMessages.Waits(wait.Window) : null;
        var state = approval is not null ? RevisionState.PendingApproval : waits is not null ? RevisionState.Scheduled : RevisionState.Accepted;
        var goesNow = state == RevisionState.Accepted;
        var revision = new Revision
        {
            ClusterId = clusterId,
            Number = numbering.NextNumber ?? await reader.NextNumberAsync(clusterId, cancellationToken),
            SettingsJson = SettingsJson.Serialize(desired),
            Author = request.Actor,
            OnBehalfOf = request.OnBehalfOf,
            Reason = request.Reason,
            Source = request.Source,
            RollbackTo = request.RollbackTo,
            CanarySelector = canaryNodes?.ToString(),
            CanaryKeysJson = canaryKeys is null ? null : Canary.CanaryRecords.Serialize(canaryKeys),
            WarningsJson = JsonSerializer.Serialize(warnings, ApiJson.Options),
            ValueChangesJson = JsonSerializer.Serialize(values, ApiJson.Options),
            CreatedAt = now,
            State = state.ToString(),
            StateReason = approval is null ? waits : Approvals.ApprovalMessages.Waiting(approval),
            StateChangedAt = now,
            ApprovalJson = approval?.Serialize(),
            Timeline = [new RevisionTransition { State = state.ToString(), At = now, Message = waits ?? request.Reason }],
        };
        db.Revisions.Add(revision);
        await db.SaveChangesAsync(cancellationToken);
        numbering.NextNumber = revision.Number + 1;
        // A held revision gets its outbox row when approved, a scheduled one when its window opens (ScheduledReleases).
        if (goesNow) db.Outbox.Add(new OutboxMessage { ClusterId = clusterId, RevisionId = revision.Id, RevisionNumber = revision.Number, CreatedAt = now });

        var changes = Core.Settings.SettingsChanges.Describe(current.Settings, desired);
        await audit.AppendAsync(db, new AuditEntry(
            approval is not null ? AuditKinds.ApprovalRequested : waits is not null ? AuditKinds.ChangeScheduled : AuditKinds.ChangeAccepted,
            clusterId, revision.Number, request.Actor, request.Source,
            approval is not null
                ? $"{clusterId} revision {revision.Number} waits for approval: {changes} ({Approvals.ApprovalMessages.Needs(approval)})"
                : $"{clusterId} revision {revision.Number}: {changes}{(waits is null ? "" : $" — {waits}")}",
            new
            {
                onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, previousRevision = current.Number,
                rollbackTo = request.RollbackTo, changes,
                canary = canaryNodes is null ? null : new { nodeSelector = canaryNodes.ToString(), keys = canaryKeys },
                values = values.Select(v => v.ToString()), sideEffects = sideEffects.Select(v => v.ToString()),
                warnings = warnings.Select(w => w.Code),
                risk = risk.Risk, riskReasons = risk.Reasons.Select(r => $"{r.Subject}: {r.Why}"),
                author = request.Author, approval,
            },
            request.PersonOrOnBehalfOf),
            cancellationToken);

        if (hostFirewallAudit is { OverrideReason: { } overrideReason } && Core.HostFirewall.HostFirewallGate.Judge(hostFirewallAudit) is { } overridden)
            await audit.AppendAsync(db, new AuditEntry(
                AuditKinds.HostFirewallEnforceOverride, clusterId, revision.Number, request.Actor, request.Source,
                $"{clusterId} revision {revision.Number}: host firewall enforced over its audit gate ({overridden.Because}): {overrideReason}",
                new
                {
                    reason = overrideReason, person = request.PersonOrOnBehalfOf, refusal = overridden.Because, noAuditPeriod = overridden.NoAuditPeriod,
                    wouldBeDrops = overridden.Drops.Take(100), window = hostFirewallAudit.Window.ToString(),
                },
                request.PersonOrOnBehalfOf),
                cancellationToken);

        if (approval is null) await windows.AfterGoingAsync(request, window, revision, cancellationToken);

        var shown = RevisionResource.From(revision) with { Changes = changes, ScheduledFor = waits is null ? null : Governance.ChangeWindowGate.ScheduledFor(window) };
        var accepted = new ChangeResource(clusterId, false, shown, warnings) { SideEffects = sideEffects, Risk = risk };
        await RememberAsync(request, RememberedOutcome.Accepted, accepted, cancellationToken);

        return new Applied(new ChangeOutcome.Accepted(accepted), () =>
        {
            // After the commit: the outbox row is durable, so a lost enqueue is only a delay (the sweep finds it).
            if (goesNow) commits.ScheduleNow(clusterId);
            logger.LogInformation("{State} revision {Cluster}/{Revision} from {Actor}: {Changes}", state, clusterId, revision.Number, request.Actor, changes);
        });
    }

    /// <summary>
    /// The canary's nodes and keys, or why it cannot be one. Its base is the current revision, which
    /// every node runs unless it is itself a canary that was not promoted — then it must be promoted
    /// (or rolled back) first.
    /// </summary>
    private async Task<(Core.Canary.NodeSelector? Nodes, IReadOnlyDictionary<string, string>? Keys, ChangeOutcome? Refused)> PlanCanaryAsync(
        ManagedCluster cluster, Canary.RolloutRequest rollout, RevisionResource current, CiliumSettings desired, CancellationToken cancellationToken)
    {
        if (rollout.NodesOr(cluster) is not { } nodes)
            return (null, null, new ChangeOutcome.CanaryRefused(
                [$"no canary nodes are named: the request has no {Canary.RolloutHeaders.NodesHeader} header and {cluster.Id} has no Canary:NodeSelector configured"],
                $"Send {Canary.RolloutHeaders.NodesHeader} with a node selector (e.g. 'kubernetes.io/hostname in (node-01,node-02)' or 'role=canary'), or roll out without a canary."));
        if (current.Number > 0)
        {
            var stored = await db.Revisions.AsNoTracking().SingleAsync(r => r.ClusterId == cluster.Id && r.Number == current.Number, cancellationToken);
            if (Canary.CanaryRecords.Blocks(stored))
                return (null, null, new ChangeOutcome.CanaryRefused(
                    [$"revision {current.Number} is still a canary ({stored.State}) on {stored.CanarySelector}: the other nodes do not run its settings yet"],
                    $"Promote it first (POST {Canary.CanaryLinks.Promote(cluster.Id, current.Number)}) or roll back to the revision before it, then make this change."));
        }
        return Core.Canary.CanaryPlan.Decide(cluster.Profile, current.Settings, desired) switch
        {
            Core.Canary.CanaryVerdict.Possible possible => (nodes, possible.Keys, null),
            Core.Canary.CanaryVerdict.Impossible impossible => (null, null, new ChangeOutcome.CanaryRefused(impossible.Reasons, Core.Canary.CanaryPlan.RolloutWithoutCanary)),
            _ => throw new InvalidOperationException("Unhandled canary verdict."),
        };
    }

    private async Task RememberAsync(ChangeRequest request, RememberedOutcome outcome, ChangeResource change, CancellationToken cancellationToken)
    {
        if (request.IdempotencyKey is null) return;
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            ClusterId = request.Cluster.Id,
            Key = request.IdempotencyKey,
            RequestHash = request.RequestFingerprint ?? "",
            Outcome = outcome,
            RevisionNumber = change.Revision.Number,
            // The change as it was then (state, warnings, side effects), not as the revision is now.
            ChangeJson = JsonSerializer.Serialize(change, ApiJson.Options),
            CreatedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    private static ChangeOutcome Remembered(IdempotencyRecord record)
    {
        var change = JsonSerializer.Deserialize<ChangeResource>(record.ChangeJson, ApiJson.Options)
            ?? throw new InvalidOperationException($"Idempotency record {record.ClusterId}/{record.Key} holds no change.");
        return record.Outcome switch
        {
            RememberedOutcome.Accepted => new ChangeOutcome.Accepted(change),
            RememberedOutcome.Unchanged => new ChangeOutcome.Unchanged(change),
            _ => throw new InvalidOperationException($"Idempotency record {record.ClusterId}/{record.Key} holds an unknown outcome {record.Outcome}."),
        };
    }
}
