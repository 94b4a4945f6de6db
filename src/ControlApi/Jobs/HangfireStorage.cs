using ControlApi.Configuration;
using ControlApi.Data;
using ControlApi.Persistence;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;

namespace ControlApi.Jobs;

/// <summary>Opens this host's Hangfire storage: a SQLite file in the data directory, or the PostgreSQL database's own schema.</summary>
internal static class HangfireStorage
{
    /// <summary>Hangfire's tables on PostgreSQL live here, apart from ControlApi's (which EF Core migrates).</summary>
    public const string PostgreSqlSchema = "hangfire";

    /// <summary>
    /// On PostgreSQL an idle worker waits on a notification (<c>LISTEN</c>; an enqueue sends
    /// <c>NOTIFY</c> when it commits), so this is only the longest it waits before looking anyway.
    /// </summary>
    public static readonly TimeSpan PostgreSqlFallbackPoll = TimeSpan.FromSeconds(5);

    public static bool IsPostgreSql(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.PostgreSql;

    /// <param name="queuePollInterval">
    /// SQLite: the longest an idle worker sleeps before it looks for a job anyway; an enqueue wakes it
    /// at once (<see cref="WakingSQLiteStorage"/>).
    /// </param>
    public static JobStorage Open(IServiceProvider provider, TimeSpan queuePollInterval)
    {
        // Hangfire's process-wide log provider must be this host's before the storage logs anything.
        provider.GetRequiredService<IGlobalConfiguration>();
        if (IsPostgreSql(provider)) return OpenPostgreSql(provider);
        var paths = provider.GetRequiredService<DataPaths>();
        Directory.CreateDirectory(paths.Root);
        try
        {
            return new WakingSQLiteStorage(paths.HangfireDatabase, new SQLiteStorageOptions { QueuePollInterval = queuePollInterval });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The storage creates its file and tables here; failing, it would stop the start with no word of where.
            var what = Persistence.StorageFaults.Classify(ex)?.What ?? ex.Message;
            throw new InvalidOperationException($"The job database {paths.HangfireDatabase} cannot be opened: {what} Make the data directory {paths.Root} writable for ControlApi, or set ControlApi:DataDirectory to one that is.", ex);
        }
    }

    /// <summary>
    /// Hangfire.PostgreSql's types only here: a SQLite start never loads that package or Npgsql
    /// (README "Start-up and memory").
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static JobStorage OpenPostgreSql(IServiceProvider provider)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = PostgreSqlSchema,
            // Workers wait for NOTIFY instead of polling every interval: a commit is picked up as
            // soon as its enqueue commits, on whichever replica has an idle worker.
            EnableLongPolling = true,
            QueuePollInterval = PostgreSqlFallbackPoll,
            // Creates or upgrades the schema under the package's own lock; replicas starting together are safe.
            PrepareSchemaIfNecessary = true,
        };
        var connectionString = provider.GetRequiredService<PostgreSqlConnectionString>().ConnectionString;
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
