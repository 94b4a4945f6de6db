using Hangfire;
using Hangfire.Common;

namespace ControlApi.Jobs;

/// <summary>
/// The Hangfire server of the <c>default</c> queue — commits, polls, chat follow-ups — and the one
/// that moves due scheduled and recurring jobs to their queues (the track and notification servers
/// leave that to it). All servers share the host's one storage, whose idle workers wake when a job
/// is enqueued: on SQLite by <see cref="QueueWakeUps"/>, on PostgreSQL by notification (<see cref="HangfireStorage"/>).
/// </summary>
internal sealed class DefaultQueueServer(IServiceProvider provider) : IHostedService, IDisposable
{
    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var storage = provider.GetRequiredService<JobStorage>();
        _server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            WorkerCount = Math.Max(2, Environment.ProcessorCount),
            SchedulePollingInterval = TimeSpan.FromSeconds(1),
            ServerName = $"controlapi:{Environment.MachineName}:{Environment.ProcessId}",
            // Within the pod's termination grace period: running jobs get cancelled and may finish.
            ShutdownTimeout = TimeSpan.FromSeconds(20),
            StopTimeout = TimeSpan.FromSeconds(15),
            // This host's activator and filters, as AddHangfireServer would pass them.
            Activator = provider.GetRequiredService<JobActivator>(),
            FilterProvider = provider.GetService<IJobFilterProvider>() ?? JobFilterProviders.Providers,
            TimeZoneResolver = provider.GetService<ITimeZoneResolver>(),
        }, storage);
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
