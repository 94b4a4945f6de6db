using ControlApi.Configuration;
using ControlApi.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace ControlApi.Persistence;

public static class PersistenceExtensions
{
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddSingleton<WriteTurns>();
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<RevisionStateSignal>();
        services.AddSingleton<AuditAppendedSignal>();
        services.AddSingleton<CommitSignalsInterceptor>();
        services.AddSingleton<IInterceptor>(provider => provider.GetRequiredService<CommitSignalsInterceptor>());
        services.AddSingleton<IInterceptor, SqliteDurabilityInterceptor>();
        services.AddSingleton<DatabaseVersion>();
        // Read once: a connection string file is a mounted Secret, not re-read per context.
        services.AddSingleton(provider => new PostgreSqlConnectionString(DatabaseConnection.Resolve(provider.GetRequiredService<IOptions<DatabaseOptions>>().Value)));
        services.AddDbContext<ControlApiDbContext>((provider, options) =>
        {
            if (provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.PostgreSql)
            {
                UsePostgreSql(options, provider.GetRequiredService<PostgreSqlConnectionString>().ConnectionString);
            }
            else
            {
                options.UseSqlite(SqliteConnectionString(provider.GetRequiredService<DataPaths>()), ControlApiDbContext.ConfigureSqlite);
            }
            // Migrate's check of the model against the migrations' snapshot builds both models again
            // only to log a warning (about a tenth of a cold start, README "Start-up and memory"); CI
            // makes the same check (`dotnet ef migrations has-pending-model-changes`) before anything ships.
            options.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning));
            // Every EF interceptor registered: the commit signals, and whatever a host adds by DI
            // (the tests make storage faults this way). Interceptors must be singletons (below).
            options.AddInterceptors(provider.GetServices<IInterceptor>());
        },
        // Everything the options use is a singleton, so they are built once: built per scope they
        // cost more than a cached read (measured on GET .../cilium, README "Benchmarks").
        optionsLifetime: ServiceLifetime.Singleton);
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    /// <summary>The SQLite file's connection string, for EF Core's contexts and the first start's script alike.</summary>
    public static string SqliteConnectionString(DataPaths paths) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = paths.Database,
            // Private cache (the default), never shared: with a shared cache readers take
            // table locks and fail with SQLITE_LOCKED ("database table is locked") while a
            // writer is busy, and no busy timeout retries that. With WAL and private caches
            // readers never wait for the writer.
            Cache = SqliteCacheMode.Private,
            // Wait for a concurrent writer instead of failing at once (SQLITE_BUSY is retried), but
            // not for long: this process's writers take turns (WriteTurns), so only another
            // process holds the lock this long, and a request answers 503 with Retry-After instead of hanging.
            DefaultTimeout = 5,
            Pooling = true,
        }.ToString();

    /// <summary>
    /// Npgsql's types only in this method, so a SQLite start never loads the PostgreSQL provider (its
    /// assemblies and type data are resident memory for nothing, README "Start-up and memory").
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void UsePostgreSql(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, ControlApiDbContext.ConfigureNpgsql);

    /// <summary>
    /// Brings the schema up to date. SQLite: an empty database from the migrations' script, without
    /// waiting for EF Core's model (<see cref="FreshSqliteDatabase"/>); otherwise WAL on (it persists
    /// in the file), then migrate.
    /// PostgreSQL: under a session-level advisory lock, so replicas starting together migrate one
    /// after the other (the later ones find nothing pending). A session-level advisory lock is held
    /// until unlocked or the session ends, so a replica dying mid-migration frees it (the manual,
    /// "Advisory Locks").
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var paths = services.GetRequiredService<DataPaths>();
            Directory.CreateDirectory(paths.Root);
            // Before the context is touched: its first use waits for the model (ModelWarmup).
            var fresh = await FreshSqliteDatabase.TryCreateAsync(SqliteConnectionString(paths), cancellationToken);
            if (fresh) return;
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (options.Provider == DatabaseProvider.Sqlite)
            {
                // WAL lets readers proceed while a change is written.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
                return;
            }
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({WriteTurns.MigrationLockKey})", cancellationToken);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({WriteTurns.MigrationLockKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Where the database is, for a log line: the SQLite file, or PostgreSQL's host:port/database (no credentials).</summary>
    public static string DescribeDatabase(this IServiceProvider services) =>
        services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.PostgreSql
            ? "PostgreSQL " + DatabaseConnection.Describe(services.GetRequiredService<PostgreSqlConnectionString>().ConnectionString)
            : services.GetRequiredService<DataPaths>().Database;
}

/// <summary>The resolved PostgreSQL connection string (read once from configuration or its file). Its text is never logged.</summary>
public sealed record PostgreSqlConnectionString(string ConnectionString)
{
    public override string ToString() => nameof(PostgreSqlConnectionString);
}

/// <summary>Creates the data directory and applies migrations before the service takes requests (unless <c>MigrateAtStart</c> is off).</summary>
internal sealed class DatabaseInitializer(IServiceProvider services, IOptions<DatabaseOptions> options, DataPaths paths, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.Root);
        if (options.Value.MigrateAtStart)
        {
            await services.MigrateDatabaseAsync(cancellationToken);
            logger.LogInformation("Database ready at {Database}", services.DescribeDatabase());
        }
        else
        {
            logger.LogInformation("Database at {Database}; migrations are left to the migrate command (ControlApi:Database:MigrateAtStart is off)", services.DescribeDatabase());
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
