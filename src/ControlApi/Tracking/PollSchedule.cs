using System.Globalization;
using ControlApi.Configuration;
using Hangfire;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Registers one recurring <c>poll</c> job per cluster with Kubernetes access (id <c>poll-{cluster}</c>),
/// removes it for clusters without, and polls each connected cluster once at start so the status
/// is fresh and converging revisions get their tracker back after a restart.
/// </summary>
public sealed class PollSchedule(ClusterCatalog clusters, IRecurringJobManager recurring, TrackScheduler scheduler, IOptions<TrackingOptions> options, ILogger<PollSchedule> logger)
    : IHostedService
{
    public static string JobId(string clusterId) => $"poll-{clusterId}";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var cron = Cron(options.Value.PollInterval);
        foreach (var cluster in clusters.All)
        {
            if (!cluster.Kubernetes.IsConfigured)
            {
                recurring.RemoveIfExists(JobId(cluster.Id));
                continue;
            }
            var id = cluster.Id;
            recurring.AddOrUpdate<PollJob>(JobId(id), job => job.RunAsync(id, null, CancellationToken.None), cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            scheduler.PollNow(id, null);
            logger.LogInformation("Polling {Cluster} on '{Cron}'", id, cron);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A cron for the interval: a seconds field below a minute, whole minutes or hours above.</summary>
    public static string Cron(TimeSpan interval)
    {
        string I(double value) => ((int)Math.Max(1, value)).ToString(CultureInfo.InvariantCulture);
        if (interval < TimeSpan.FromMinutes(1)) return $"*/{I(interval.TotalSeconds)} * * * * *";
        if (interval < TimeSpan.FromHours(1)) return $"*/{I(interval.TotalMinutes)} * * * *";
        return interval < TimeSpan.FromDays(1) ? $"0 */{I(interval.TotalHours)} * * *" : "0 0 * * *";
    }
}
