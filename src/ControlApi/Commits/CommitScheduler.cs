using ControlApi.Jobs;
using Hangfire;

namespace ControlApi.Commits;

/// <summary>
/// Asks Hangfire to work a cluster's outbox, now or later — once per wake. The outbox sweep, a new
/// change and a job woken early all ask for the same wake during an outage; a wake that is already
/// scheduled (at or before the time asked for) and has not run yet is not scheduled again, so an
/// outage does not pile up one more job per sweep. This record is this process's own, but with
/// several replicas on one job storage the job of a wake may run on any replica, and only the one
/// that runs it sees <see cref="Started"/>: a wake whose time is more than
/// <see cref="PickUpAllowance"/> past is therefore taken as picked up (here, elsewhere, or lost)
/// and no longer stands in the way of the next one.
/// </summary>
public sealed class CommitScheduler(IBackgroundJobClient jobs, TimeProvider time, ILogger<CommitScheduler> logger)
{
    private readonly Dictionary<string, SortedSet<DateTimeOffset>> _wakes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>
    /// How long after its time a wake's job is surely picked up by some idle worker: Hangfire
    /// enqueues a due scheduled job within its 1 s schedule poll, and an idle worker takes an
    /// enqueued one at once (PostgreSQL: notification; SQLite: 0.05 s poll) — about 3 s at worst on
    /// a loaded 2-core machine. Past it the wake no longer counts as pending. It used to count until
    /// two sweeps and a minute had passed, as if only a lost job could leave it behind; but when
    /// another replica's worker took the job and that replica was then killed mid-commit, this
    /// replica refused every sweep's wake for that long, and the revision stayed Accepted a minute
    /// and more after the dead replica's lease had lapsed (seen in ReplicaCrashTests). A job that
    /// waits longer than this for a busy worker only lets the next sweep add one more job, which
    /// finds the turn or the lease taken, or nothing left to do.
    /// </summary>
    private static readonly TimeSpan PickUpAllowance = TimeSpan.FromSeconds(10);

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
            var pickedUpBefore = now - PickUpAllowance;
            wakes.RemoveWhere(w => w < pickedUpBefore);
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
