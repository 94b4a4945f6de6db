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
}

/// <summary>
/// The one path every change takes (API, features, chatops, rollback): validate with Core, then
/// write revision + outbox row + audit event in one transaction. Nothing is stored for a rejected
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
    Approvals.ApprovalGate approvals,
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

        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(clusterId), cancellationToken);

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
        if (await holds.BlockingAsync(clusterId, request.PersonOrOnBehalfOf ?? request.Actor, cancellationToken) is { } hold)
        {
            await audit.AppendAsync(db, new AuditEntry(
                AuditKinds.ChangeBlocked, clusterId, null, request.Actor, request.Source,
                $"change to {clusterId} refused: {Holds.HoldMessages.Describe(clusterId, hold)}",
                new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, hold = hold.Kind, holder = hold.Holder, holdReason = hold.Reason },
                request.PersonOrOnBehalfOf),
                cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return new ChangeOutcome.Blocked(hold);
        }

        var current = await reader.CurrentAsync(clusterId, cancellationToken);
        if (request.IfMatchRevision is { } expected && expected != current.Number)
            return new ChangeOutcome.PreconditionFailed(current.Number);

        var desire = request.Desire(current.Settings);
        if (desire.Settings is not { } desired) return new ChangeOutcome.Malformed(desire.Pointer ?? "", desire.Error ?? "The settings could not be read.");

        var validation = SettingsValidator.Validate(request.Cluster.Profile, desired, current.Settings, chart.Chart);
        var warnings = validation.Warnings.Select(IssueResource.From).ToList();
        if (!validation.IsValid)
        {
            await audit.AppendAsync(db, new AuditEntry(
                AuditKinds.ChangeRejected, clusterId, null, request.Actor, request.Source,
                $"change to {clusterId} rejected: {string.Join(", ", validation.Errors.Select(e => e.Code).Distinct())}",
                new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, errors = validation.Errors.Select(IssueResource.From) },
                request.PersonOrOnBehalfOf),
                cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return new ChangeOutcome.Rejected(validation, current.Number);
        }

        if (desired.SameAs(current.Settings))
        {
            var unchanged = new ChangeResource(clusterId, true, current, warnings);
            await RememberAsync(request, RememberedOutcome.Unchanged, unchanged, cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return new ChangeOutcome.Unchanged(unchanged);
        }

        var values = await baselines.DescribeAsync(request.Cluster, current, desired, chart, cancellationToken);
        var sideEffects = Core.Values.SideEffects.Of(values, current.Settings, desired, request.NamedMembers);
        var risk = ChangeRisks.Assess(request.Cluster.Profile, current.Settings, desired, validation.Warnings);
        var now = time.GetUtcNow();
        // A change the policy holds for approval is stored and numbered, but is not the settings until approved.
        var approval = await approvals.HoldAsync(clusterId, risk.Risk, current.Number, request.Author, now, cancellationToken);
        var state = approval is null ? RevisionState.Accepted : RevisionState.PendingApproval;
        var revision = new Revision
        {
            ClusterId = clusterId,
            Number = await reader.NextNumberAsync(clusterId, cancellationToken),
            SettingsJson = SettingsJson.Serialize(desired),
            Author = request.Actor,
            OnBehalfOf = request.OnBehalfOf,
            Reason = request.Reason,
            Source = request.Source,
            RollbackTo = request.RollbackTo,
            WarningsJson = JsonSerializer.Serialize(warnings, ApiJson.Options),
            ValueChangesJson = JsonSerializer.Serialize(values, ApiJson.Options),
            CreatedAt = now,
            State = state.ToString(),
            StateReason = approval is null ? null : Approvals.ApprovalMessages.Waiting(approval),
            StateChangedAt = now,
            ApprovalJson = approval?.Serialize(),
            Timeline = [new RevisionTransition { State = state.ToString(), At = now, Message = request.Reason }],
        };
        db.Revisions.Add(revision);
        await db.SaveChangesAsync(cancellationToken);
        if (approval is null) db.Outbox.Add(new OutboxMessage { ClusterId = clusterId, RevisionId = revision.Id, RevisionNumber = revision.Number, CreatedAt = now });

        var changes = Core.Settings.SettingsChanges.Describe(current.Settings, desired);
        await audit.AppendAsync(db, new AuditEntry(
            approval is null ? AuditKinds.ChangeAccepted : AuditKinds.ApprovalRequested, clusterId, revision.Number, request.Actor, request.Source,
            approval is null ? $"{clusterId} revision {revision.Number}: {changes}" : $"{clusterId} revision {revision.Number} waits for approval: {changes} ({Approvals.ApprovalMessages.Needs(approval)})",
            new
            {
                onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, previousRevision = current.Number,
                rollbackTo = request.RollbackTo, changes,
                values = values.Select(v => v.ToString()), sideEffects = sideEffects.Select(v => v.ToString()),
                warnings = warnings.Select(w => w.Code),
                risk = risk.Risk, riskReasons = risk.Reasons.Select(r => $"{r.Subject}: {r.Why}"),
                author = request.Author, approval,
            },
            request.PersonOrOnBehalfOf),
            cancellationToken);

        var accepted = new ChangeResource(clusterId, false, RevisionResource.From(revision) with { Changes = changes }, warnings) { SideEffects = sideEffects, Risk = risk };
        await RememberAsync(request, RememberedOutcome.Accepted, accepted, cancellationToken);
        await turn.CommitAsync(cancellationToken);

        // After the commit: the outbox row is durable, so a lost enqueue is only a delay (the sweep finds it).
        if (approval is null) commits.ScheduleNow(clusterId);
        logger.LogInformation("Accepted revision {Cluster}/{Revision} from {Actor}: {Changes}", clusterId, revision.Number, request.Actor, changes);
        return new ChangeOutcome.Accepted(accepted);
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
