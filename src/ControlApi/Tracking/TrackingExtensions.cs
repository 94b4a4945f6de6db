using ControlApi.Probes;
using Hangfire;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

public static class TrackingExtensions
{
    /// <summary>
    /// Probes, the <c>track</c> and <c>poll</c> jobs, and a Hangfire server of their own for the
    /// track queue: a track job holds its worker for minutes and must not starve commits and polls.
    /// </summary>
    public static WebApplicationBuilder AddTracking(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProbeOptions>().Bind(builder.Configuration.GetSection(ProbeOptions.SectionName));
        services.AddOptions<TrackingOptions>().Bind(builder.Configuration.GetSection(TrackingOptions.SectionName));

        services.AddSingleton<KubernetesConnections>();
        services.AddSingleton<FluxProbe>();
        services.AddSingleton<ClusterObserver>();
        services.AddSingleton<ActiveTrackers>();
        services.AddSingleton<PollTurns>();
        services.AddSingleton<TrackScheduler>();

        // Scoped: one per Hangfire job (the activator opens a scope per job); VerifyStep and
        // CommitAncestry remember things for the life of one track job.
        services.AddScoped<TrackingRecorder>();
        services.AddScoped<CommitAncestry>();
        services.AddScoped<ReconcileRequest>();
        services.AddScoped<RolloutMonitor>();
        services.AddScoped<FluxApplyStep>();
        services.AddScoped<RolloutStep>();
        services.AddScoped<VerifyStep>();
        services.AddScoped<HostFirewall.HostFirewallAudits>();
        services.AddScoped<Canary.CanaryStep>();
        services.AddScoped<Canary.CanaryPromotion>();
        services.AddScoped<Canary.CanarySoak>();
        services.AddScoped<Canary.CanaryLeftovers>();
        services.AddScoped<TrackJob>();
        services.AddScoped<ObservationRecorder>();
        services.AddScoped<PollJob>();
        services.AddScoped<ObservationReader>();
        services.AddScoped<RevisionRetrack>();
        services.AddScoped<AutoRollback>();
        services.AddScoped<ClusterRepair>();
        services.AddScoped<RepairJob>();

        services.AddHangfireServer((provider, server) =>
        {
            server.Queues = [TrackScheduler.TrackQueue];
            server.WorkerCount = Math.Max(1, provider.GetRequiredService<IOptions<TrackingOptions>>().Value.TrackWorkers);
            // Workers only: the default queue's server moves due scheduled and recurring jobs and runs
            // the storage's upkeep (DefaultQueueServer); a second scheduler would only poll and lock.
            server.IsLightweightServer = true;
            server.ServerName = $"controlapi-track:{Environment.MachineName}:{Environment.ProcessId}";
        });
        services.AddHostedService<PollSchedule>();
        services.AddHostedService<DriftWatch>();
        return builder;
    }
}
