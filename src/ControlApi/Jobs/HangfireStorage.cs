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
        try
        {
            return new SQLiteStorage(paths.HangfireDatabase, new SQLiteStorageOptions { QueuePollInterval = queuePollInterval });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The storage creates its file and tables here; failing, it would stop the start with no word of where.
            var what = Persistence.StorageFaults.Classify(ex)?.What ?? ex.Message;
            throw new InvalidOperationException($"The job database {paths.HangfireDatabase} cannot be opened: {what} Make the data directory {paths.Root} writable for ControlApi, or set ControlApi:DataDirectory to one that is.", ex);
        }
    }
}
