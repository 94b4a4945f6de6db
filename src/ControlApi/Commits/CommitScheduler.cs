using Hangfire;

namespace ControlApi.Commits;

/// <summary>Asks Hangfire to work a cluster's outbox, now or later.</summary>
public sealed class CommitScheduler(IBackgroundJobClient jobs, ILogger<CommitScheduler> logger)
{
    public void ScheduleNow(string clusterId)
    {
        try
        {
            jobs.Enqueue<CommitJob>(job => job.RunAsync(clusterId, CancellationToken.None));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The outbox row is already stored; the sweep enqueues it within a minute.
            logger.LogWarning(ex, "Could not enqueue the commit job for {Cluster}; the outbox sweep will pick it up", clusterId);
        }
    }

    public void ScheduleAt(string clusterId, DateTimeOffset when) =>
        jobs.Schedule<CommitJob>(job => job.RunAsync(clusterId, CancellationToken.None), when);
}
