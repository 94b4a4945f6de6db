using ControlApi.Configuration;
using Hangfire;
using Hangfire.Storage.SQLite;

namespace ControlApi.Jobs;

/// <summary>Opens this host's Hangfire storage on the SQLite file in the data directory.</summary>
internal static class HangfireStorage
{
    /// <param name="queuePollInterval">How often an idle worker of a server on this storage asks for a job.</param>
    public static SQLiteStorage Open(IServiceProvider provider, TimeSpan queuePollInterval)
    {
        // Hangfire's process-wide log provider must be this host's before the storage logs anything.
        provider.GetRequiredService<IGlobalConfiguration>();
        var paths = provider.GetRequiredService<DataPaths>();
        Directory.CreateDirectory(paths.Root);
        return new SQLiteStorage(paths.HangfireDatabase, new SQLiteStorageOptions { QueuePollInterval = queuePollInterval });
    }
}
