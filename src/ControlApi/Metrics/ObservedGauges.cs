using System.Diagnostics.Metrics;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Metrics;

/// <summary>
/// Gauges read when Prometheus scrapes: revisions by state (one grouped count over the
/// (cluster, state) index) and the Hangfire queue lengths. Nothing is kept in memory between scrapes,
/// so the numbers are right on every replica.
/// </summary>
public sealed class ObservedGauges
{
    /// <summary>The Hangfire queues the service uses (commit jobs on the default queue).</summary>
    public static readonly string[] Queues = ["default", Notifications.DeliverJob.Queue];

    private readonly IServiceScopeFactory _scopes;
    private readonly ClusterCatalog _clusters;
    private readonly JobStorage _jobs;
    private readonly ILogger<ObservedGauges> _logger;

    public ObservedGauges(IMeterFactory meters, IServiceScopeFactory scopes, ClusterCatalog clusters, JobStorage jobs, ILogger<ObservedGauges> logger)
    {
        _scopes = scopes;
        _clusters = clusters;
        _jobs = jobs;
        _logger = logger;
        var meter = meters.Create(ControlApiMetrics.MeterName);
        meter.CreateObservableGauge("controlapi.revisions", RevisionsByState, "{revision}",
            "Revisions per cluster and lifecycle state.");
        meter.CreateObservableGauge("controlapi.jobs.queued", QueuedJobs, "{job}",
            "Background jobs waiting: enqueued per queue, and scheduled for later.");
    }

    private IEnumerable<Measurement<long>> RevisionsByState()
    {
        try
        {
            using var scope = _scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            var counts = db.Revisions.AsNoTracking()
                .GroupBy(r => new { r.ClusterId, r.State })
                .Select(g => new { g.Key.ClusterId, g.Key.State, Count = g.LongCount() })
                .ToList()
                .ToDictionary(c => (c.ClusterId, c.State), c => c.Count);
            // Every configured cluster reports every state (zeros too), so a series never just vanishes.
            var clusters = _clusters.All.Select(c => c.Id).Union(counts.Keys.Select(k => k.ClusterId)).Distinct(StringComparer.Ordinal);
            return clusters.SelectMany(cluster => Enum.GetNames<RevisionState>().Select(state =>
                new Measurement<long>(counts.GetValueOrDefault((cluster, state)), new("cluster", cluster), new("state", state)))).ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A scrape must not fail the whole exposition; the gap in the series shows the problem.
            _logger.LogWarning(ex, "Could not count revisions by state for /metrics");
            return [];
        }
    }

    private IEnumerable<Measurement<long>> QueuedJobs()
    {
        try
        {
            var monitoring = _jobs.GetMonitoringApi();
            var measurements = Queues
                .Select(queue => new Measurement<long>(monitoring.EnqueuedCount(queue), new("queue", queue), new("state", "enqueued")))
                .ToList();
            measurements.Add(new Measurement<long>(monitoring.ScheduledCount(), new("queue", "all"), new("state", "scheduled")));
            return measurements;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "Could not read the job queue lengths for /metrics");
            return [];
        }
    }
}
