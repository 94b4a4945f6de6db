using Hangfire;
using ControlApi.Tracking;
using Hangfire.Common;
using Hangfire.Server;
using Microsoft.Extensions.Options;

namespace ControlApi.Jobs;

/// <summary>
/// The Hangfire server of the <c>default</c> queue — commits, polls, chat follow-ups — and the one
/// that moves due scheduled and recurring jobs to their queues (the track and notification servers
/// leave that to it): a scheduled job when it falls due (<see cref="ScheduleWakeUps"/>), anything
/// else Hangfire's scheduler finds at its <see cref="SchedulePollingFallback"/>; recurring jobs (the
/// cluster polls) when they fall due (<see cref="RecurringLook"/>). All servers share
/// the host's one storage, whose idle workers wake when a job is enqueued: on SQLite by
/// <see cref="QueueWakeUps"/>, on PostgreSQL by notification (<see cref="HangfireStorage"/>).
/// </summary>
internal sealed class DefaultQueueServer(IServiceProvider provider) : IHostedService, IDisposable
{
    /// <summary>
    /// How often Hangfire's own schedulers look: scheduled jobs nobody announced (scheduled before a
    /// restart or by another replica) and, as a second chance, recurring jobs. Announced scheduled
    /// jobs are moved when due, recurring ones at <see cref="RecurringLook"/>. Each look takes a
    /// storage lock, i.e. writes: every second, as before, was most of an idle service's work.
    /// </summary>
    public static readonly TimeSpan SchedulePollingFallback = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How the on-time recurring scheduler waits between looks. The recurring jobs are the cluster
    /// polls, whose cron comes from <see cref="TrackingOptions.PollInterval"/>
    /// (<see cref="PollSchedule.Cron"/>): whole minutes or hours fall on a minute's start, and
    /// Hangfire's scheduler given no delay looks exactly then, once a minute; a poll every few seconds
    /// needs a look that often.
    /// </summary>
    internal static TimeSpan RecurringLook(TimeSpan pollInterval) =>
        pollInterval < TimeSpan.FromMinutes(1) ? pollInterval : TimeSpan.Zero;

    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var storage = provider.GetRequiredService<JobStorage>();
        var filters = provider.GetService<IJobFilterProvider>() ?? JobFilterProviders.Providers;
        // Announced times only; the server's own scheduler covers the rest.
        var mover = new ScheduleWakeUps.Mover(provider.GetRequiredService<ScheduleWakeUps>(), new Hangfire.States.BackgroundJobStateChanger(filters), TimeSpan.FromHours(1));
        var timeZones = provider.GetService<ITimeZoneResolver>() ?? new DefaultTimeZoneResolver();
        var recurring = new RecurringJobScheduler(new Hangfire.Client.BackgroundJobFactory(filters),
            RecurringLook(provider.GetRequiredService<IOptions<TrackingOptions>>().Value.PollInterval), timeZones);
        _server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            WorkerCount = Math.Max(2, Environment.ProcessorCount),
            SchedulePollingInterval = SchedulePollingFallback,
            ServerName = $"controlapi:{Environment.MachineName}:{Environment.ProcessId}",
            // Within the pod's termination grace period: running jobs get cancelled and may finish.
            ShutdownTimeout = TimeSpan.FromSeconds(20),
            StopTimeout = TimeSpan.FromSeconds(15),
            // This host's activator and filters, as AddHangfireServer would pass them.
            Activator = provider.GetRequiredService<JobActivator>(),
            FilterProvider = filters,
            TimeZoneResolver = timeZones,
        }, storage, [mover, recurring]);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null) return;
        try
        {
            _server.SendStop();
            await _server.WaitForShutdownAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // Stopping a host a second time (a test factory's dispose after the host's own stop)
            // finds the server already disposed: it has stopped, which is all this asks.
        }
    }

    public void Dispose()
    {
        _server?.Dispose();
    }
}
