using ControlApi.Tests.Support;
using Npgsql;

namespace ControlApi.Bench;

/// <summary>
/// The database a benchmark's service runs on: the SQLite file in its data directory (the default),
/// or a database of its own on the tests' PostgreSQL server — <c>CONTROLAPI_TEST_POSTGRES</c> when
/// set, else a throwaway cluster that is stopped and deleted when the bench exits. Disposing drops
/// the PostgreSQL database.
/// </summary>
internal sealed class BenchDatabase : IDisposable
{
    private readonly string? _postgreSqlDatabase;

    private BenchDatabase(string? postgreSqlDatabase) => _postgreSqlDatabase = postgreSqlDatabase;

    public static BenchDatabase Sqlite() => new(null);

    /// <summary>A new empty database; starts the throwaway cluster on first use (throws when there are no server binaries).</summary>
    public static BenchDatabase PostgreSql() => new(PostgreSqlServer.Shared.CreateDatabase());

    /// <summary>A PostgreSQL database, or none (said so) on a machine without a server, where SQLite is still worth measuring.</summary>
    public static BenchDatabase? TryPostgreSql()
    {
        try
        {
            return PostgreSql();
        }
        catch (InvalidOperationException ex)
        {
            Console.WriteLine($"PostgreSQL not measured: {ex.Message}");
            return null;
        }
    }

    public string Engine => _postgreSqlDatabase is null ? "SQLite" : "PostgreSQL";

    /// <summary>The configuration that points replica <paramref name="replica"/> at this database.</summary>
    public IReadOnlyDictionary<string, string> SettingsFor(int replica)
    {
        if (_postgreSqlDatabase is null) return new Dictionary<string, string>();
        // Npgsql pools by connection string, so replicas in one process would share one pool; a name per
        // replica gives each its own, as separate processes have, at Npgsql's default size (the tests'
        // server keeps pools small because hundreds of test hosts come and go).
        var connection = new NpgsqlConnectionStringBuilder(PostgreSqlServer.Shared.ConnectionString(_postgreSqlDatabase))
        {
            ApplicationName = $"controlapi-bench-replica-{replica}",
            MaxPoolSize = new NpgsqlConnectionStringBuilder().MaxPoolSize,
        };
        return new Dictionary<string, string>
        {
            ["ControlApi:Database:Provider"] = "PostgreSql",
            ["ControlApi:Database:ConnectionString"] = connection.ConnectionString,
        };
    }

    public void Dispose()
    {
        if (_postgreSqlDatabase is not null) PostgreSqlServer.Shared.DropDatabase(_postgreSqlDatabase);
    }
}
