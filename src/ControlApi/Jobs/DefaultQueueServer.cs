using Hangfire;
using Hangfire.Common;

namespace ControlApi.Jobs;

/// <summary>
/// The Hangfire server of the <c>default</c> queue — commits, polls, chat follow-ups — and the one
/// that moves due scheduled and recurring jobs to their queues (the track and notification servers
/// leave that to it): a scheduled job when it falls due (<see cref="ScheduleWakeUps"/>), anything
/// else Hangfire's scheduler finds at its <see cref="SchedulePollingFallback"/>. All servers share
/// the host's one storage, whose idle workers wake when a job is enqueued: on SQLite by
/// <see cref="QueueWakeUps"/>, on PostgreSQL by notification (<see cref="HangfireStorage"/>).
/// </summary>
internal sealed class DefaultQueueServer(IServiceProvider provider) : IHostedService, IDisposable
{
    /// <summary>
    /// How often Hangfire's own schedulers look: recurring jobs (the minute's cluster polls, so up to
    /// this late) and scheduled jobs nobody announced (scheduled before a restart or by another
    /// replica). Announced scheduled jobs are moved when due. Each look takes a storage lock, i.e.
    /// writes: every second, as before, was most of an idle service's work.
    /// </summary>
    public static readonly TimeSpan SchedulePollingFallback = TimeSpan.FromSeconds(15);

    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var storage = provider.GetRequiredService<JobStorage>();
        var filters = provider.GetService<IJobFilterProvider>() ?? JobFilterProviders.Providers;
        // Announced times only; the server's own scheduler covers the rest.
        var mover = new ScheduleWakeUps.Mover(provider.GetRequiredService<ScheduleWakeUps>(), new Hangfire.States.BackgroundJobStateChanger(filters), TimeSpan.FromHours(1));
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
            TimeZoneResolver = provider.GetService<ITimeZoneResolver>(),
        }, storage, [mover]);
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
