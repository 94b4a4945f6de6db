using System.Collections.Concurrent;

namespace ControlApi.Jobs;

/// <summary>
/// The wake-up of idle Hangfire workers on SQLite: whoever puts a job in a queue pulses that queue,
/// and a worker waiting for any of its queues looks again at once instead of at its next poll. The
/// data directory (so the job file) is locked to one process, which is both the one enqueueing —
/// the commit outbox, track scheduling, deliveries, Hangfire's scheduler moving due and retried
/// jobs — and the one working, so an in-process signal reaches every worker that could take the job.
/// <para>
/// Each queue has a token that its next pulse cancels (and replaces). A worker takes the token
/// <em>before</em> it looks for a job, so an enqueue is either seen by that look or cancels the
/// token it then waits on: no pulse is lost between looking and waiting.
/// </para>
/// </summary>
internal sealed class QueueWakeUps
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _next = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A token cancelled by the next pulse of <paramref name="queue"/>.</summary>
    public CancellationToken Next(string queue) => _next.GetOrAdd(queue, _ => new CancellationTokenSource()).Token;

    /// <summary>Wakes the workers waiting for <paramref name="queue"/>; call it once the job is in the queue for others to see.</summary>
    public void Pulse(string queue)
    {
        // Nobody has waited for this queue yet: whoever does will look before waiting.
        if (!_next.TryGetValue(queue, out var current)) return;
        // Only the pulse that replaced the source cancels it; a concurrent pulse that lost the race
        // finds the waiters already woken by the winner.
        if (_next.TryUpdate(queue, new CancellationTokenSource(), current)) current.Cancel();
    }
}
