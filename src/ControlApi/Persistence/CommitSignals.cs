using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using System.Data.Common;
using System.Runtime.CompilerServices;

namespace ControlApi.Persistence;

/// <summary>
/// Pulses when a kind of change has been committed in this process, so whoever waits for it (a
/// long poll, an event stream) reads at once instead of polling. Waiters take <see cref="NextChange"/>
/// before they read: a change committed after the read completes that task, so nothing falls
/// between reading and waiting. Changes made by another process are not seen here; waiters also
/// re-read on a timer for those.
/// </summary>
public abstract class CommitSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next committed change of this kind (of any row: waiters re-read theirs).</summary>
    public Task NextChange => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    // Continuations run on the pool, never inline in the writer's commit.
    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A revision's lifecycle state changed (the commit job, the tracker).</summary>
public sealed class RevisionStateSignal : CommitSignal;

/// <summary>An audit event was appended.</summary>
public sealed class AuditAppendedSignal : CommitSignal;

/// <summary>
/// Watches saves for revisions whose state changed and for new audit events, whoever wrote them, and
/// pulses the matching <see cref="CommitSignal"/> once the change is committed — after the save when
/// no transaction is open, else when the transaction commits. A waiter woken earlier would read the
/// old rows and sleep on.
/// </summary>
public sealed class CommitSignalsInterceptor(RevisionStateSignal revisionStates, AuditAppendedSignal auditAppended) : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = new();

    private sealed class Pending
    {
        public bool RevisionStates;
        public bool AuditEvents;
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        PulseIfCommitted(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        PulseIfCommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Pulse(eventData.Context);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Pulse(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null) return;
        // Each Entries<T>() call scans every tracked entity for changes (DetectChanges), and SaveChanges
        // scans again after this: one scan here instead of two. A writer that tracks many rows (the
        // commit job superseding older revisions) paid for all three on every save of its turn.
        var tracker = context.ChangeTracker;
        var detecting = tracker.AutoDetectChangesEnabled;
        if (detecting) tracker.DetectChanges();
        tracker.AutoDetectChangesEnabled = false;
        bool states, audit;
        try
        {
            states = tracker.Entries<Revision>().Any(e => e.State == EntityState.Modified && e.Property(r => r.State).IsModified);
            audit = tracker.Entries<AuditEvent>().Any(e => e.State == EntityState.Added);
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detecting;
        }
        if (!states && !audit) return;
        var pending = _pending.GetOrCreateValue(context);
        pending.RevisionStates |= states;
        pending.AuditEvents |= audit;
    }

    private void PulseIfCommitted(DbContext? context)
    {
        if (context is not null && context.Database.CurrentTransaction is null) Pulse(context);
    }

    private void Pulse(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var pending)) return;
        _pending.Remove(context);
        if (pending.RevisionStates) revisionStates.Pulse();
        if (pending.AuditEvents) auditAppended.Pulse();
    }

    private void Forget(DbContext? context)
    {
        if (context is not null) _pending.Remove(context);
    }
}
