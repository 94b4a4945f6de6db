using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using System.Data.Common;
using System.Runtime.CompilerServices;

namespace ControlApi.Revisions;

/// <summary>
/// Pulses whenever a revision's state change has been committed in this process, so a waiting
/// request (<see cref="RevisionWaiter"/>) re-reads at once instead of polling. Waiters take
/// <see cref="NextChange"/> before they read: a change committed after the read completes that task,
/// so no change falls between reading and waiting. Changes made by another process are not seen
/// here; waiters re-read on a timer for those.
/// </summary>
public sealed class RevisionStateSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next committed state change (of any revision: waiters re-read theirs).</summary>
    public Task NextChange => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    // Continuations run on the pool, never inline in the writer's commit.
    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Watches saves for revisions whose state changed (whoever changed it: the commit job, the tracker)
/// and pulses <see cref="RevisionStateSignal"/> once that change is committed — after the save when
/// no transaction is open, else when the transaction commits. A waiter woken earlier would read the
/// old state and sleep on.
/// </summary>
public sealed class RevisionStateSignalInterceptor(RevisionStateSignal signal) : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, object> _pending = new();

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
        var changed = context.ChangeTracker.Entries<Revision>().Any(e =>
            e.State == EntityState.Modified && e.Property(r => r.State).IsModified);
        if (changed) _pending.AddOrUpdate(context, this);
    }

    private void PulseIfCommitted(DbContext? context)
    {
        if (context is not null && context.Database.CurrentTransaction is null) Pulse(context);
    }

    private void Pulse(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out _)) return;
        _pending.Remove(context);
        signal.Pulse();
    }

    private void Forget(DbContext? context)
    {
        if (context is not null) _pending.Remove(context);
    }
}
