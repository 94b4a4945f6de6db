using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Options;

namespace ControlApi.Jobs;

/// <summary>
/// The Hangfire server of the <c>default</c> queue — commits, polls, chat follow-ups — on a storage
/// of its own over the same SQLite file, so it can look for work every
/// <see cref="JobsOptions.CommitQueuePollInterval"/> while the track and notification servers poll
/// the shared storage at the slower <see cref="JobsOptions.QueuePollInterval"/>. The SQLite storage
/// has no wake-up signal: every idle worker polls, and the poll interval is both the commit's
/// pick-up delay and the idle CPU. Two storages on one file are two Hangfire servers' worth of
/// connections; the storage's own locks (rows in the file) keep them consistent. On PostgreSQL the
/// shared storage already wakes idle workers by notification (<see cref="HangfireStorage"/>), so this
/// server uses it.
/// </summary>
internal sealed class DefaultQueueServer(IServiceProvider provider, IOptions<JobsOptions> options) : IHostedService, IDisposable
{
    private BackgroundJobServer? _server;
    private JobStorage? _storage;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var storage = HangfireStorage.IsPostgreSql(provider)
            ? provider.GetRequiredService<JobStorage>()
            : _storage = HangfireStorage.Open(provider, options.Value.CommitQueuePollInterval);
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
        // Its pooled connections, where the storage keeps any (the shared one is the container's to dispose).
        (_storage as IDisposable)?.Dispose();
    }
}
