using System.Threading.Channels;
using ControlApi.Configuration;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Probes;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Watches each connected cluster's <c>cilium-config</c> and Cilium HelmRelease for as long as the
/// service runs, and asks for a poll as soon as either changes: a hand edit is judged and audited
/// (<c>drift.detected</c>) within about a second instead of at the next recurring poll (54 s
/// measured with the 1-minute poll). Bursts coalesce — a rollout rewrites the HelmRelease's status
/// several times — into at most one poll per <see cref="TrackingOptions.DriftWatchDebounce"/>.
/// Every replica watches; the poll's lease lets one of them do each poll.
/// </summary>
public sealed class DriftWatch(
    ClusterCatalog clusters,
    KubernetesConnections connections,
    TrackScheduler scheduler,
    IOptions<ProbeOptions> probe,
    IOptions<TrackingOptions> options,
    TimeProvider time,
    ILogger<DriftWatch> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DriftWatch) return Task.CompletedTask;
        return Task.WhenAll(clusters.All.Where(c => c.Kubernetes.IsConfigured).Select(c => WatchAsync(c, stoppingToken)));
    }

    private async Task WatchAsync(ManagedCluster cluster, CancellationToken stoppingToken)
    {
        ClusterConnection? connection;
        try
        {
            connection = connections.For(cluster);
        }
        catch (ClusterUnreachableException ex)
        {
            logger.LogWarning("Not watching {Cluster} for drift: {Reason}; the recurring poll still looks", cluster.Id, ex.Reason);
            return;
        }
        if (connection is null) return;

        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        WatchSource[] sources =
        [
            WatchSource.ConfigMap(connection, new ObjectRef(cluster.Profile.HelmRelease.Namespace, ExpectedLiveState.ConfigMapName)),
            WatchSource.CustomObject(connection, ApiResources.HelmRelease, cluster.Profile.HelmRelease),
        ];
        var watches = sources.Select(source =>
        {
            // The first list is not news: the poll at start-up (PollSchedule) covers it. Later lists
            // (after the watch lapsed) are: anything may have happened while nobody watched.
            var listed = false;
            return new ObjectWatch(source, () =>
            {
                if (!listed) listed = true;
                else wake.Writer.TryWrite(true);
            }, probe.Value, time, logger);
        }).ToList();
        var running = watches.Select(w => Task.Run(() => w.RunAsync(stoppingToken), CancellationToken.None)).ToList();
        try
        {
            await foreach (var _ in wake.Reader.ReadAllAsync(stoppingToken))
            {
                logger.LogDebug("{Cluster}: cilium-config or the HelmRelease changed; polling now", cluster.Id);
                scheduler.PollNow(cluster.Id, reconcileRequestedBy: null);
                await Task.Delay(options.Value.DriftWatchDebounce, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
            // Watches end by cancellation.
        }
    }
}
