using ControlApi.Configuration;
using ControlApi.Data;
using Microsoft.Data.Sqlite;
using ControlApi.Concurrency;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Persistence;

public static class PersistenceExtensions
{
    public static IServiceCollection AddPersistence(this IServiceCollection services)
    {
        services.AddSingleton<DatabaseWriteGate>();
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<RevisionStateSignal>();
        services.AddSingleton<AuditAppendedSignal>();
        services.AddSingleton<CommitSignalsInterceptor>();
        services.AddDbContext<ControlApiDbContext>((provider, options) =>
        {
            var paths = provider.GetRequiredService<DataPaths>();
            var connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = paths.Database,
                // Private cache (the default), never shared: with a shared cache readers take
                // table locks and fail with SQLITE_LOCKED ("database table is locked") while a
                // writer is busy, and no busy timeout retries that. With WAL and private caches
                // readers never wait for the writer.
                Cache = SqliteCacheMode.Private,
                // Wait for a concurrent writer instead of failing at once (SQLITE_BUSY is retried), but
                // not for long: this process's writers take turns (DatabaseWriteGate), so only another
                // process holds the lock this long, and a request answers 503 with Retry-After instead of hanging.
                DefaultTimeout = 5,
                Pooling = true,
            }.ToString();
            options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(ControlApiDbContext.MigrationsAssembly));
            options.AddInterceptors(provider.GetRequiredService<CommitSignalsInterceptor>());
        });
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }
}

/// <summary>Creates the data directory, turns on WAL and applies migrations before the service takes requests.</summary>
internal sealed class DatabaseInitializer(IServiceProvider services, DataPaths paths, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.Root);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        // WAL lets readers proceed while a change is written; the setting persists in the file.
        await db.Database.OpenConnectionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        logger.LogInformation("Database ready at {Database}", paths.Database);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Serializes write transactions. SQLite has one writer anyway; taking turns in-process keeps
/// per-cluster revision numbers gap-free and the audit hash chain linear without busy retries.
/// (A multi-replica PostgreSQL deployment needs an advisory lock in its place.)
/// </summary>
public sealed class DatabaseWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => Turn.TakeAsync(_gate, cancellationToken);
}
