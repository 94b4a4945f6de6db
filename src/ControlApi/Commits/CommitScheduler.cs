using ControlApi.Jobs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace ControlApi.Commits;

/// <summary>
/// Asks Hangfire to work a cluster's outbox, now or later — once per wake. The outbox sweep, a new
/// change and a job woken early all ask for the same wake during an outage; a wake that is already
/// scheduled (at or before the time asked for) and has not run yet is not scheduled again, so an
/// outage does not pile up one more job per sweep. A wake that never ran (a lost Hangfire job) is
/// forgotten after <see cref="LostAfter"/>, and the next sweep schedules it again.
/// </summary>
public sealed class CommitScheduler(IBackgroundJobClient jobs, IOptions<CommitOptions> options, TimeProvider time, ILogger<CommitScheduler> logger)
{
    private readonly Dictionary<string, SortedSet<DateTimeOffset>> _wakes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Hangfire polls scheduled jobs every few seconds; two sweeps more than that means the wake was lost.</summary>
    private TimeSpan LostAfter => options.Value.SweepInterval * 2 + TimeSpan.FromMinutes(1);

    public void ScheduleNow(string clusterId)
    {
        if (!Claim(clusterId, time.GetUtcNow(), out var wake)) return;
        try
        {
            jobs.Enqueue<CommitJob>(job => job.RunAsync(clusterId, CancellationToken.None));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Release(clusterId, wake);
            // The outbox row is already stored; the sweep enqueues it within a minute.
            logger.LogWarning(ex, "Could not enqueue the commit job for {Cluster}; the outbox sweep will pick it up", clusterId);
        }
    }

    /// <summary>
    /// A wake at <paramref name="when"/> (never earlier: <see cref="ScheduleTimes.NotBefore"/>, so the
    /// job that starts has its wake used up by <see cref="Started"/>); false when one at or before it
    /// is already pending.
    /// </summary>
    public bool ScheduleAt(string clusterId, DateTimeOffset when)
    {
        when = ScheduleTimes.NotBefore(when);
        if (!Claim(clusterId, when, out var wake)) return false;
        try
        {
            jobs.Schedule<CommitJob>(job => job.RunAsync(clusterId, CancellationToken.None), when);
            return true;
        }
        catch
        {
            Release(clusterId, wake);
            throw;
        }
    }

    /// <summary>A commit job for the cluster starts: every wake due by now is used up (it runs, or this job does its work).</summary>
    public void Started(string clusterId)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_wakes.TryGetValue(clusterId, out var wakes)) wakes.RemoveWhere(w => w <= now);
        }
    }

    private bool Claim(string clusterId, DateTimeOffset when, out DateTimeOffset wake)
    {
        var now = time.GetUtcNow();
        wake = when > now ? when : now;
        lock (_lock)
        {
            if (!_wakes.TryGetValue(clusterId, out var wakes)) _wakes[clusterId] = wakes = [];
            var lostBefore = now - LostAfter;
            wakes.RemoveWhere(w => w < lostBefore);
            if (wakes.Count > 0 && wakes.Min <= wake) return false;
            wakes.Add(wake);
            return true;
        }
    }

    private void Release(string clusterId, DateTimeOffset wake)
    {
        lock (_lock)
        {
            if (_wakes.TryGetValue(clusterId, out var wakes)) wakes.Remove(wake);
        }
    }
}
