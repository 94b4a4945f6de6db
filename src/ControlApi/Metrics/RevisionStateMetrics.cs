using System.Runtime.CompilerServices;
using ControlApi.Core.Revisions;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlApi.Metrics;

/// <summary>
/// Records time-to-verified when a revision's new state <c>Verified</c> is saved, whoever moved it
/// there (<see cref="Revisions.RevisionLifecycle.MoveTo"/> from the track job): watching the saves
/// keeps the lifecycle a pure function and cannot be forgotten by a new caller. Recorded once the
/// save has succeeded; a save that fails records nothing.
/// </summary>
public sealed class RevisionStateMetrics(ControlApiMetrics metrics) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, List<(string Cluster, TimeSpan Elapsed)>> _pending = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Flush(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null) return;
        const string verified = nameof(RevisionState.Verified);
        var reached = context.ChangeTracker.Entries<Revision>()
            .Where(e => e.Entity.State == verified
                && (e.State == EntityState.Added || (e.State == EntityState.Modified && (string?)e.OriginalValues[nameof(Revision.State)] != verified)))
            .Select(e => (e.Entity.ClusterId, e.Entity.StateChangedAt - e.Entity.CreatedAt))
            .ToList();
        if (reached.Count > 0) _pending.AddOrUpdate(context, reached);
    }

    private void Flush(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var reached)) return;
        _pending.Remove(context);
        foreach (var (cluster, elapsed) in reached) metrics.RecordTimeToVerified(cluster, elapsed);
    }

    private void Forget(DbContext? context)
    {
        if (context is not null) _pending.Remove(context);
    }
}
