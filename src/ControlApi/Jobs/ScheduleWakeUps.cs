using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;

namespace ControlApi.Jobs;

/// <summary>
/// When scheduled jobs fall due — chat follow-ups, delivery retries, commit retries, Hangfire's own
/// retries — so the scheduler that moves them to their queues runs then, instead of polling every
/// second. A job entering the Scheduled state announces its time (<see cref="Filter"/>) and
/// <see cref="Mover"/>, a process of the default queue's server, sleeps until the earliest announced
/// time. Hangfire's own scheduler still runs at the server's long
/// <see cref="DefaultQueueServer.SchedulePollingFallback"/>, for jobs scheduled before a restart or by
/// another replica.
/// </summary>
internal sealed class ScheduleWakeUps(TimeProvider time)
{
    // The announcement comes while the scheduling transaction is still open: a mover that runs before
    // it commits finds nothing, so each time is looked at once more, this much later.
    private static readonly TimeSpan CommitGrace = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly SortedSet<DateTimeOffset> _due = [];
    private CancellationTokenSource _earlier = new();

    /// <summary>Announces that a job falls due at <paramref name="at"/>.</summary>
    public void Due(DateTimeOffset at)
    {
        var now = time.GetUtcNow();
        if (at < now) at = now;
        lock (_gate)
        {
            var wakesEarlier = _due.Count == 0 || at < _due.Min;
            _due.Add(at);
            _due.Add(at + CommitGrace);
            if (!wakesEarlier) return;
            var earlier = _earlier;
            _earlier = new CancellationTokenSource();
            earlier.Cancel();
        }
    }

    /// <summary>
    /// Blocks until the earliest announced time has come (forgetting every time that has), an earlier
    /// one is announced, <paramref name="fallback"/> has passed, or <paramref name="stopping"/>.
    /// </summary>
    public void WaitForDue(TimeSpan fallback, CancellationToken stopping)
    {
        CancellationToken earlier;
        TimeSpan wait;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            _due.RemoveWhere(at => at <= now);
            earlier = _earlier.Token;
            wait = _due.Count == 0 || _due.Min - now > fallback ? fallback : _due.Min - now;
        }
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, earlier);
        // A timer on this host's clock, so tests that move the clock move the wake-up too.
        using var timer = time.CreateTimer(static state => ((CancellationTokenSource)state!).Cancel(), either, wait, Timeout.InfiniteTimeSpan);
        either.Token.WaitHandle.WaitOne();
    }

    /// <summary>Announces every job that enters the Scheduled state, from the client, a worker's retry or a filter.</summary>
    public sealed class Filter(ScheduleWakeUps wakeUps) : JobFilterAttribute, IApplyStateFilter
    {
        public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.NewState is ScheduledState scheduled)
                wakeUps.Due(new DateTimeOffset(DateTime.SpecifyKind(scheduled.EnqueueAt, DateTimeKind.Utc)));
        }

        public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
        }
    }

    /// <summary>
    /// Moves due scheduled jobs to their queues (Hangfire's <see cref="DelayedJobScheduler"/>, run once
    /// each time; it takes the same storage lock as the server's own) whenever one falls due.
    /// </summary>
    public sealed class Mover(ScheduleWakeUps wakeUps, IBackgroundJobStateChanger stateChanger, TimeSpan fallback) : IBackgroundProcess
    {
        // No delay of its own: this process's wait is WaitForDue.
        private readonly DelayedJobScheduler _scheduler = new(TimeSpan.Zero, stateChanger);

        public void Execute(BackgroundProcessContext context)
        {
            _scheduler.Execute(context);
            wakeUps.WaitForDue(fallback, context.StoppingToken);
        }

        public override string ToString() => nameof(ScheduleWakeUps) + "." + nameof(Mover);
    }
}
