using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Holds;

/// <summary>The two ways to stop a cluster's changes, as stored (<see cref="ClusterHold.Kind"/>).</summary>
public static class ClusterHoldKinds
{
    /// <summary>The admins' emergency brake: every change is refused until it is lifted.</summary>
    public const string Freeze = "freeze";

    /// <summary>One person's maintenance: only their changes go through until they unlock or it expires.</summary>
    public const string Lock = "lock";
}

/// <summary>A freeze or a lock as the API shows it.</summary>
public sealed record HoldResource(string Kind, string Holder, string Reason, DateTimeOffset Since, DateTimeOffset? ExpiresAt)
{
    public static HoldResource From(ClusterHold hold) => new(hold.Kind, hold.Holder, hold.Reason, hold.CreatedAt, hold.ExpiresAt);
}

/// <summary>What stops changes to a cluster now: its freeze and its lock, either absent.</summary>
public sealed record ClusterHoldsResource(string Cluster, HoldResource? Freeze, HoldResource? Lock);

/// <summary>Who asks: the person (for a lock's holder and the audit) and the key or platform that carried the request.</summary>
public sealed record HoldCaller(string Person, string Actor, string Source, bool IsAdmin);

public abstract record HoldOutcome
{
    private HoldOutcome() { }

    /// <summary>The freeze or lock is set (or, for the same holder, renewed) as <paramref name="Hold"/>.</summary>
    public sealed record Set(HoldResource Hold) : HoldOutcome;

    /// <summary>The freeze or lock was lifted.</summary>
    public sealed record Lifted(HoldResource Hold) : HoldOutcome;

    /// <summary>There is nothing to lift.</summary>
    public sealed record NotHeld(string Kind) : HoldOutcome;

    /// <summary>Someone else holds it: only they (or an admin, for a lock) may change it.</summary>
    public sealed record HeldByOther(HoldResource Hold) : HoldOutcome;

    /// <summary>The lock's expiry is not in the future.</summary>
    public sealed record InvalidExpiry(string Detail) : HoldOutcome;
}

/// <summary>
/// Freezes and locks (Atlantis-style) of a cluster: set, lifted and checked. Every change passes
/// <see cref="BlockingAsync"/> inside its write turn, so a change and a freeze never cross. A lock
/// past its expiry stops nothing and is replaced by the next one; its row is removed then.
/// </summary>
public sealed class ClusterHolds(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit, TimeProvider time)
{
    public async Task<ClusterHoldsResource> GetAsync(string clusterId, CancellationToken cancellationToken)
    {
        var holds = await ActiveAsync(clusterId, cancellationToken);
        return new ClusterHoldsResource(clusterId,
            holds.FirstOrDefault(h => h.Kind == ClusterHoldKinds.Freeze) is { } freeze ? HoldResource.From(freeze) : null,
            holds.FirstOrDefault(h => h.Kind == ClusterHoldKinds.Lock) is { } held ? HoldResource.From(held) : null);
    }

    /// <summary>
    /// The hold that stops a change by <paramref name="person"/>, or null: a freeze stops everyone, a
    /// lock everyone but its holder. Call inside the change's write turn.
    /// </summary>
    public async Task<HoldResource?> BlockingAsync(string clusterId, string person, CancellationToken cancellationToken)
    {
        var holds = await ActiveAsync(clusterId, cancellationToken);
        var blocking = holds.FirstOrDefault(h => h.Kind == ClusterHoldKinds.Freeze)
            ?? holds.FirstOrDefault(h => h.Kind == ClusterHoldKinds.Lock && !SamePerson(h.Holder, person));
        return blocking is null ? null : HoldResource.From(blocking);
    }

    public Task<HoldOutcome> FreezeAsync(ManagedCluster cluster, HoldCaller caller, string reason, CancellationToken cancellationToken) =>
        SetAsync(cluster, ClusterHoldKinds.Freeze, caller, reason, expiresAt: null, cancellationToken);

    public Task<HoldOutcome> LockAsync(ManagedCluster cluster, HoldCaller caller, string reason, DateTimeOffset? expiresAt, CancellationToken cancellationToken) =>
        SetAsync(cluster, ClusterHoldKinds.Lock, caller, reason, expiresAt, cancellationToken);

    public Task<HoldOutcome> UnfreezeAsync(ManagedCluster cluster, HoldCaller caller, string? reason, CancellationToken cancellationToken) =>
        LiftAsync(cluster, ClusterHoldKinds.Freeze, caller, reason, cancellationToken);

    public Task<HoldOutcome> UnlockAsync(ManagedCluster cluster, HoldCaller caller, string? reason, CancellationToken cancellationToken) =>
        LiftAsync(cluster, ClusterHoldKinds.Lock, caller, reason, cancellationToken);

    private async Task<HoldOutcome> SetAsync(ManagedCluster cluster, string kind, HoldCaller caller, string reason, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (expiresAt is { } until && until <= now)
            return new HoldOutcome.InvalidExpiry($"The lock would expire at {until:O}, which is not after now ({now:O}); give a later time or a duration.");

        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken);
        _readInTurn.Forget();
        var existing = await db.ClusterHolds.SingleOrDefaultAsync(h => h.ClusterId == cluster.Id && h.Kind == kind, cancellationToken);
        if (existing is not null && IsActive(existing, now) && !SamePerson(existing.Holder, caller.Person))
            return new HoldOutcome.HeldByOther(HoldResource.From(existing));
        if (existing is not null) db.ClusterHolds.Remove(existing);
        await db.SaveChangesAsync(cancellationToken);

        var hold = new ClusterHold
        {
            ClusterId = cluster.Id, Kind = kind, Holder = caller.Person, Actor = caller.Actor, Reason = reason,
            CreatedAt = now, ExpiresAt = expiresAt,
        };
        db.ClusterHolds.Add(hold);
        var (auditKind, verb) = kind == ClusterHoldKinds.Freeze ? (AuditKinds.ClusterFrozen, "frozen") : (AuditKinds.ClusterLocked, "locked");
        await audit.AppendAsync(db, new AuditEntry(auditKind, cluster.Id, null, caller.Actor, caller.Source,
            $"{cluster.Id} {verb} by {caller.Person}: {reason}{(expiresAt is { } end ? $" (until {end:u})" : "")}",
            new { holder = caller.Person, reason, expiresAt, renewed = existing is not null && IsActive(existing, now) }, caller.Person), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);
        return new HoldOutcome.Set(HoldResource.From(hold));
    }

    private async Task<HoldOutcome> LiftAsync(ManagedCluster cluster, string kind, HoldCaller caller, string? reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken);
        _readInTurn.Forget();
        var existing = await db.ClusterHolds.SingleOrDefaultAsync(h => h.ClusterId == cluster.Id && h.Kind == kind, cancellationToken);
        if (existing is null || !IsActive(existing, now))
        {
            if (existing is not null)
            {
                db.ClusterHolds.Remove(existing);
                await db.SaveChangesAsync(cancellationToken);
                await turn.CommitAsync(cancellationToken);
            }
            return new HoldOutcome.NotHeld(kind);
        }
        // A lock is its holder's to lift, or an admin's; a freeze is only ever an admin's (the endpoint says so).
        if (kind == ClusterHoldKinds.Lock && !caller.IsAdmin && !SamePerson(existing.Holder, caller.Person))
            return new HoldOutcome.HeldByOther(HoldResource.From(existing));

        db.ClusterHolds.Remove(existing);
        var (auditKind, verb) = kind == ClusterHoldKinds.Freeze ? (AuditKinds.ClusterUnfrozen, "unfrozen") : (AuditKinds.ClusterUnlocked, "unlocked");
        await audit.AppendAsync(db, new AuditEntry(auditKind, cluster.Id, null, caller.Actor, caller.Source,
            $"{cluster.Id} {verb} by {caller.Person}{(existing.Holder != caller.Person ? $" (held by {existing.Holder})" : "")}{(string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}")}",
            new { holder = existing.Holder, heldSince = existing.CreatedAt, heldFor = existing.Reason, reason }, caller.Person), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);
        return new HoldOutcome.Lifted(HoldResource.From(existing));
    }

    /// <summary>Read once per write turn (<see cref="TurnMemo{T}"/>): a hold is set or lifted only in its cluster's turn.</summary>
    private readonly TurnMemo<List<ClusterHold>> _readInTurn = new();

    private async Task<List<ClusterHold>> ActiveAsync(string clusterId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var holds = await _readInTurn.GetOrReadAsync(db, clusterId,
            () => db.ClusterHolds.AsNoTracking().Where(h => h.ClusterId == clusterId).ToListAsync(cancellationToken));
        // Expiry is judged now, for each asker.
        return holds.Where(h => IsActive(h, now)).ToList();
    }

    /// <summary>A lock never outlives its expiry, whether or not anyone lifted it.</summary>
    private static bool IsActive(ClusterHold hold, DateTimeOffset now) => hold.ExpiresAt is not { } end || now < end;

    /// <summary>People's names compare as people write them: case and surrounding blanks do not make another person.</summary>
    public static bool SamePerson(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
