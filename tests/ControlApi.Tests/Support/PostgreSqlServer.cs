using System.Diagnostics;
using Npgsql;

namespace ControlApi.Tests.Support;

/// <summary>
/// The PostgreSQL server the tests use. <c>CONTROLAPI_TEST_POSTGRES</c> (a connection string to a
/// server whose user may create databases) names one; otherwise a throwaway cluster is made with
/// Debian's binaries in a temporary directory on a free loopback port, and stopped and deleted when
/// the test process exits. Every service under test gets a database of its own. The benchmarks
/// (bench/ControlApi.Bench) compile this file too, so it needs nothing else from the tests.
/// </summary>
public sealed class PostgreSqlServer
{
    public const string Variable = "CONTROLAPI_TEST_POSTGRES";
    private static readonly Lazy<PostgreSqlServer> SharedServer = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string _adminConnectionString;
    private readonly string? _clusterDirectory;
    private readonly object _databasesLock = new();
    private readonly Dictionary<string, string> _databaseByDataDirectory = new(StringComparer.Ordinal);
    private int _stopped;

    private PostgreSqlServer(string adminConnectionString, string? clusterDirectory)
    {
        _adminConnectionString = adminConnectionString;
        _clusterDirectory = clusterDirectory;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(waitForExit: false);
    }

    public static PostgreSqlServer Shared => SharedServer.Value;

    /// <summary>
    /// Stops the throwaway cluster, if one was started, and waits until it is stopped and deleted: for
    /// a process that knows when it is done with it (the bench), rather than relying on the exit handler.
    /// </summary>
    public static void StopShared()
    {
        if (SharedServer.IsValueCreated) SharedServer.Value.Stop(waitForExit: true);
    }

    /// <summary>A connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// The database of a data directory: made on first use, so a service restarted on the same
    /// directory finds what the previous one stored (as it would find its SQLite file).
    /// </summary>
    public string DatabaseFor(string dataDirectory)
    {
        lock (_databasesLock)
        {
            if (_databaseByDataDirectory.TryGetValue(dataDirectory, out var known)) return known;
            var name = CreateDatabase();
            _databaseByDataDirectory[dataDirectory] = name;
            return name;
        }
    }

    /// <summary>A new empty database; its name.</summary>
    public string CreateDatabase()
    {
        var name = "controlapi_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE DATABASE {name}");
        return name;
    }

    /// <summary>Drops a data directory's database (its service has stopped and the directory is gone).</summary>
    public void DropDatabaseOf(string dataDirectory)
    {
        string? name;
        lock (_databasesLock)
        {
            if (!_databaseByDataDirectory.Remove(dataDirectory, out name)) return;
        }
        DropDatabase(name);
    }

    public void DropDatabase(string name)
    {
        try
        {
            // FORCE ends sessions a stopped host's pools still hold (PostgreSQL 13 and later).
            Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
            // Left for the throwaway cluster's removal (or the external server's owner).
        }
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_adminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static PostgreSqlServer Start()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } external)
            return new PostgreSqlServer(external, null);

        var bin = FindBinaries();
        var directory = Directory.CreateTempSubdirectory("controlapi-pg-").FullName;
        var data = Path.Combine(directory, "data");
        var asRoot = Environment.UserName == "root";
        // initdb refuses to run as root: the cluster belongs to the postgres user then.
        if (asRoot) Run("chown", ["-R", "postgres:postgres", directory]);
        var port = FreePorts.Next();
        Run(bin, "initdb", asRoot, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        Run(bin, "pg_ctl", asRoot,
        [
            "start", "-w", "-t", "60", "-D", data, "-l", Path.Combine(directory, "server.log"),
            // Durability is not under test here: no fsync, no synchronous commit, no full-page writes.
            "-o", $"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} " +
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000 -c shared_buffers=64MB",
        ]);
        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres",
            // Many hosts start and stop in one run; keep their idle connections few and short-lived.
            ConnectionIdleLifetime = 10, MaxPoolSize = 50,
        }.ConnectionString;
        return new PostgreSqlServer(admin, directory);
    }

    /// <summary>
    /// Stops the throwaway cluster and deletes its directory in a detached shell (setsid): the test
    /// host may be ended right after its exit handlers start, and the shell outlives it. Once only.
    /// </summary>
    private void Stop(bool waitForExit)
    {
        if (_clusterDirectory is null || Interlocked.Exchange(ref _stopped, 1) == 1) return;
        var pgCtl = Path.Combine(FindBinaries(), "pg_ctl");
        var stop = $"'{pgCtl}' stop -m immediate -D '{Path.Combine(_clusterDirectory, "data")}'";
        if (Environment.UserName == "root") stop = "runuser -u postgres -- " + stop;
        var start = new ProcessStartInfo("setsid", ["sh", "-c", $"{stop} >/dev/null 2>&1; rm -rf '{_clusterDirectory}'"]) { WorkingDirectory = "/" };
        try
        {
            using var shell = Process.Start(start);
            if (waitForExit) shell?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No setsid: the directory is left in the temp folder for the OS to clean.
        }
    }

    private static string FindBinaries()
    {
        foreach (var candidate in Directory.Exists("/usr/lib/postgresql")
                     ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal)
                     : Enumerable.Empty<string>())
        {
            var bin = Path.Combine(candidate, "bin");
            if (File.Exists(Path.Combine(bin, "initdb"))) return bin;
        }
        throw new InvalidOperationException(
            $"PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql), and {Variable} is not set.");
    }


    private static void Run(string bin, string tool, bool asPostgres, IEnumerable<string> arguments) =>
        Run(asPostgres ? "runuser" : Path.Combine(bin, tool),
            asPostgres ? ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments] : arguments);

    private static void Run(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {error}{output.Result}");
    }
}
