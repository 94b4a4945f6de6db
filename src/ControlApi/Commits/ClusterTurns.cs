using System.Collections.Concurrent;
using ControlApi.Concurrency;

namespace ControlApi.Commits;

/// <summary>
/// One commit job per cluster at a time across all replicas, so commits stay in revision order:
/// first a turn in this process (local contention waits here, without touching the database), then
/// the cluster's <c>commit:</c> lease. A job that finds the lease held elsewhere does not wait on a
/// worker: it schedules one follow-up for when the holder renews or lapses and ends.
/// </summary>
public sealed class ClusterTurns(Leases leases, CommitScheduler scheduler, TimeProvider time, ILogger<ClusterTurns> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);

    /// <summary>The turn, or null when another replica holds the cluster (a follow-up is then scheduled).</summary>
    public async Task<ClusterTurn?> EnterAsync(string clusterId, CancellationToken cancellationToken)
    {
        var local = await Turn.TakeAsync(_turns.GetOrAdd(clusterId, _ => new SemaphoreSlim(1, 1)), cancellationToken);
        try
        {
            if (await leases.TryAcquireAsync(LeaseNames.Commit(clusterId), cancellationToken) is { } lease)
                return new ClusterTurn(local, lease);
            local.Dispose();
            await DeferAsync(clusterId, cancellationToken);
            return null;
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    private async Task DeferAsync(string clusterId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // The holder drains the outbox and releases, or renews every RenewInterval, or lapses at its
        // expiry: looking again after the shorter of the two is never late by more than an interval.
        var heldUntil = await leases.HeldUntilAsync(LeaseNames.Commit(clusterId), cancellationToken) ?? now;
        var next = now + leases.RenewInterval;
        var due = heldUntil < next ? heldUntil : next;
        if (due < now + TimeSpan.FromSeconds(1)) due = now + TimeSpan.FromSeconds(1);
        // The scheduler keeps one pending wake per cluster: jobs arriving while another replica
        // commits do not each add a follow-up.
        if (scheduler.ScheduleAt(clusterId, due))
            logger.LogInformation("Commits of {Cluster} run on another replica; looking again at {Due:O}", clusterId, due);
        else
            logger.LogDebug("Commits of {Cluster} run on another replica; a follow-up is already scheduled here", clusterId);
    }
}

/// <summary>The local turn and the database lease of one cluster's commits; <see cref="Lost"/> stops the work if the lease cannot be kept.</summary>
public sealed class ClusterTurn(IDisposable local, HeldLease lease) : IAsyncDisposable
{
    public CancellationToken Lost => lease.Lost;

    public async ValueTask DisposeAsync()
    {
        // The lease first: a local job waiting for the turn would otherwise find it still held and defer.
        await lease.DisposeAsync();
        local.Dispose();
    }
}
