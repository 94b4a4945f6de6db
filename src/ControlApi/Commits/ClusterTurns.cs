using System.Collections.Concurrent;
using ControlApi.Concurrency;

namespace ControlApi.Commits;

/// <summary>One commit job per cluster at a time in this process, so commits stay in revision order.</summary>
public sealed class ClusterTurns
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);

    public Task<IDisposable> EnterAsync(string clusterId, CancellationToken cancellationToken) =>
        Turn.TakeAsync(_turns.GetOrAdd(clusterId, _ => new SemaphoreSlim(1, 1)), cancellationToken);
}
