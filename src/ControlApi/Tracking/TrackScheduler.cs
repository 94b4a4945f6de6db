using Hangfire;

namespace ControlApi.Tracking;

/// <summary>Asks Hangfire to follow a committed revision (on the <c>track</c> queue) or to poll a cluster now.</summary>
public sealed class TrackScheduler(IBackgroundJobClient jobs, ILogger<TrackScheduler> logger)
{
    /// <summary>Hangfire queue names are lowercase; the track queue has its own workers.</summary>
    public const string TrackQueue = "track";

    public void Track(string clusterId, int revision)
    {
        try
        {
            jobs.Enqueue<TrackJob>(TrackQueue, job => job.RunAsync(clusterId, revision, CancellationToken.None));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The revision is stored as Committed; the next poll of the cluster starts tracking it.
            logger.LogWarning(ex, "Could not enqueue the track job for {Cluster}/{Revision}; the next poll will", clusterId, revision);
        }
    }

    /// <summary>Follows a forced re-apply of the HelmRelease (<see cref="RepairJob"/>) on the track queue.</summary>
    public void FollowRepair(string clusterId, string stamp, DateTimeOffset requestedAt) =>
        jobs.Enqueue<RepairJob>(TrackQueue, job => job.RunAsync(clusterId, stamp, requestedAt, CancellationToken.None));

    /// <param name="reconcileRequestedBy">Ask Flux to reconcile first, audited as this caller; null to only look.</param>
    public void PollNow(string clusterId, string? reconcileRequestedBy) =>
        jobs.Enqueue<PollJob>(job => job.RunAsync(clusterId, reconcileRequestedBy, CancellationToken.None));
}
