using System.Diagnostics;
using System.Globalization;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Bench;

/// <summary>
/// A temp SQLite database with the service's schema (its migrations) and a valid audit chain of
/// many events: 12 clusters, 20 kinds in 8 families, 40 actors, revisions counting per cluster,
/// one event every 3 seconds. Rows go in through one prepared statement in one transaction.
/// </summary>
public sealed class AuditFill : IDisposable
{
    public static readonly string[] Kinds =
    [
        "change.accepted", "change.rejected", "change.noop", "git.committed", "git.push_failed",
        "flux.reconcile_requested", "flux.applied", "flux.failed", "rollout.progress", "rollout.completed",
        "rollout.stuck", "verify.passed", "verify.failed", "drift.detected", "drift.cleared",
        "cluster.unreachable", "cluster.reachable", "chatops.command", "revision.superseded", "webhook.failed",
    ];

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private AuditFill(string directory, string connectionString)
    {
        Directory = directory;
        ConnectionString = connectionString;
    }

    public string Directory { get; }
    public string ConnectionString { get; }
    public string DatabasePath => Path.Combine(Directory, "audit-bench.db");

    public static DateTimeOffset TimeOf(int i) => Start.AddSeconds(3L * i);

    public static async Task<AuditFill> CreateAsync(int events, TextWriter log)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("controlapi-bench-").FullName;
        var fill = new AuditFill(directory, new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "audit-bench.db"), Pooling = true }.ToString());
        await using (var db = fill.NewContext())
        {
            await db.Database.MigrateAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        await using var connection = new SqliteConnection(fill.ConnectionString);
        await connection.OpenAsync();
        await Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO AuditEvents (Time, ClusterId, Revision, Kind, Actor, Source, Summary, DetailsJson, PreviousHash, Hash)
            VALUES ($time, $cluster, $revision, $kind, $actor, $source, $summary, $details, $previous, $hash)
            """;
        var parameters = new[] { "$time", "$cluster", "$revision", "$kind", "$actor", "$source", "$summary", "$details", "$previous", "$hash" }
            .Select(name => insert.Parameters.Add(new SqliteParameter { ParameterName = name }))
            .ToArray();
        await insert.PrepareAsync();

        var previous = AuditLog.GenesisHash;
        var revisions = new int[12];
        // Fixed seed: every run fills the same history.
        var random = new Random(20260101);
        for (var i = 0; i < events; i++)
        {
            var c = random.Next(12);
            var cluster = $"cluster-{c:00}";
            var kind = Kinds[random.Next(Kinds.Length)];
            if (kind == "change.accepted") revisions[c]++;
            var system = random.Next(5) == 0;
            var e = new AuditEvent
            {
                Time = TimeOf(i),
                ClusterId = cluster,
                Revision = Math.Max(1, revisions[c]),
                Kind = kind,
                Actor = system ? "system" : $"user-{random.Next(40):00}",
                Source = system ? AuditSources.System : AuditSources.Api,
                Summary = $"{cluster} revision {Math.Max(1, revisions[c])}: {kind} (event {i})",
                DetailsJson = $$"""{"n":{{i}},"reason":"benchmark"}""",
                PreviousHash = previous,
                Hash = "",
            };
            e.Hash = AuditLog.ComputeHash(e);
            parameters[0].Value = e.Time.UtcTicks;
            parameters[1].Value = e.ClusterId;
            parameters[2].Value = e.Revision;
            parameters[3].Value = e.Kind;
            parameters[4].Value = e.Actor;
            parameters[5].Value = e.Source;
            parameters[6].Value = e.Summary;
            parameters[7].Value = e.DetailsJson;
            parameters[8].Value = e.PreviousHash;
            parameters[9].Value = e.Hash;
            await insert.ExecuteNonQueryAsync();
            previous = e.Hash;
            if ((i + 1) % 250_000 == 0) log.WriteLine($"  {i + 1:N0} events ({stopwatch.Elapsed.TotalSeconds:0.0} s)");
        }
        await transaction.CommitAsync();
        await Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA wal_checkpoint(TRUNCATE);");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Filled {events:N0} events in {stopwatch.Elapsed.TotalSeconds:0.0} s; database {new FileInfo(fill.DatabasePath).Length / 1024.0 / 1024.0:0} MiB"));
        return fill;
    }

    public ControlApiDbContext NewContext() => new(ControlApiDbContext.SqliteOptions(ConnectionString).Options);

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
