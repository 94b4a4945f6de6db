using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Replicas;

/// <summary>
/// Going HA with an existing installation: the history of a SQLite data directory, written partly by
/// versions that stored (and hashed) 100 ns instants, moves into PostgreSQL with the real binary's
/// <c>export</c> and <c>import</c>, and its audit chain verifies there and still catches tampering.
/// </summary>
public sealed class SqliteHistoryTransferTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _database = PostgreSqlServer.Shared.CreateDatabase();

    public void Dispose()
    {
        PostgreSqlServer.Shared.DropDatabase(_database);
        _temp.Dispose();
    }

    [Fact]
    public async Task A_chain_written_with_100_ns_instants_moves_into_PostgreSQL_reads_the_same_verifies_and_still_shows_tampering()
    {
        var source = Directory.CreateDirectory(_temp.Combine("sqlite")).FullName;
        var target = Directory.CreateDirectory(_temp.Combine("postgresql")).FullName;
        var file = _temp.Combine("history.json");

        string viewerKey;
        using (var service = new ControlApiFactory(Sqlite(), source))
        {
            var client = service.CreateClient(Role.Operator);
            Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
            await Eventually.WaitAsync(async () => (string?)(await (await client.GetAsync("/api/v1/clusters/local/revisions/1")).ReadJsonAsync())["state"],
                state => state == "Committed", TimeSpan.FromSeconds(45), "revision 1 committed");
            viewerKey = service.KeyFor(Role.Viewer);
        }
        var old = await AppendAsOldVersionsDidAsync(Path.Combine(source, "controlapi.db"), 3);

        Assert.Equal(0, await RunAsync(source, Sqlite(), "export", "--to", file));
        Assert.Equal(0, await RunAsync(target, PostgreSql(), "import", "--from", file));

        using var moved = new ControlApiFactory(PostgreSql(), target);
        var viewer = moved.CreateClient(viewerKey);
        var verdict = await (await viewer.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.True((bool)verdict["ok"]!, verdict.ToJsonString());
        // The old events read as they did on SQLite, to the 100 ns.
        var shown = await EventsAsync(viewer);
        foreach (var (id, time) in old)
            Assert.Equal(time, DateTimeOffset.Parse((string)shown[id]["time"]!, CultureInfo.InvariantCulture));

        // A changed instant is caught as a changed event: in the ticks kept apart, and in the time itself.
        await ExecuteAsync($"""UPDATE "AuditEvents" SET "SubMicrosecondTicks" = "SubMicrosecondTicks" % 9 + 1 WHERE "Id" = {old[1].Id}""");
        verdict = await (await viewer.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.False((bool)verdict["ok"]!);
        Assert.Equal(old[1].Id, (long)verdict["firstBrokenId"]!);
        Assert.Contains("changed after it was written", (string)verdict["problem"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Moving_ticks_between_the_time_and_the_ticks_kept_apart_is_caught_though_the_sum_is_the_same()
    {
        var source = Directory.CreateDirectory(_temp.Combine("sqlite")).FullName;
        var target = Directory.CreateDirectory(_temp.Combine("postgresql")).FullName;
        var file = _temp.Combine("history.json");
        string viewerKey;
        using (var service = new ControlApiFactory(Sqlite(), source))
            viewerKey = service.KeyFor(Role.Viewer);
        var old = await AppendAsOldVersionsDidAsync(Path.Combine(source, "controlapi.db"), 2);
        Assert.Equal(0, await RunAsync(source, Sqlite(), "export", "--to", file));
        Assert.Equal(0, await RunAsync(target, PostgreSql(), "import", "--from", file));

        // One microsecond earlier in Time, ten ticks more kept apart: the hashed sum is unchanged,
        // but the event would now answer since/until queries a microsecond early.
        await ExecuteAsync($"""UPDATE "AuditEvents" SET "Time" = "Time" - interval '1 microsecond', "SubMicrosecondTicks" = "SubMicrosecondTicks" + 10 WHERE "Id" = {old[0].Id}""");

        using var moved = new ControlApiFactory(PostgreSql(), target);
        var verdict = await (await moved.CreateClient(viewerKey).GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.False((bool)verdict["ok"]!);
        Assert.Equal(old[0].Id, (long)verdict["firstBrokenId"]!);
    }

    private Dictionary<string, string?> Sqlite() => new()
    {
        [ControlApiFactory.DatabaseProviderKey] = "Sqlite",
        ["ControlApi:Clusters:0:GitOps:Repository"] = _temp.Combine("fleet.git"),
    };

    private Dictionary<string, string?> PostgreSql() => new()
    {
        [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
        [ControlApiFactory.DatabaseConnectionKey] = PostgreSqlServer.Shared.ConnectionString(_database),
        ["ControlApi:Clusters:0:GitOps:Repository"] = _temp.Combine("fleet.git"),
    };

    /// <summary>
    /// Appends events to the chain the way versions before microsecond instants wrote them: the time
    /// as UTC 100 ns ticks with a last digit that is not 0, hashed as version 1 of the canonical form
    /// (written out here, not taken from the service, so the test holds it to what was really stored).
    /// </summary>
    private static async Task<List<(long Id, DateTimeOffset Time)>> AppendAsOldVersionsDidAsync(string databaseFile, int count)
    {
        var appended = new List<(long, DateTimeOffset)>();
        await using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var last = connection.CreateCommand();
        last.CommandText = """SELECT "Hash", "Time" FROM "AuditEvents" ORDER BY "Id" DESC LIMIT 1""";
        var previous = global::ControlApi.Audit.AuditLog.GenesisHash;
        var ticks = DateTimeOffset.UtcNow.UtcTicks;
        await using (var reader = await last.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync()) (previous, ticks) = (reader.GetString(0), reader.GetInt64(1));
        }
        for (var n = 1; n <= count; n++)
        {
            // About 0.12 s later, and never on a whole microsecond.
            ticks += 1_234_567;
            if (ticks % 10 == 0) ticks += 3;
            const string kind = "cluster.reachable", actor = "system", source = "system", details = """{"note":"written by an older version"}""";
            var summary = $"local reachable again ({n})";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                string.Join('\n', previous, ticks.ToString(CultureInfo.InvariantCulture), "local", "", kind, actor, source, summary, details))));
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO "AuditEvents" ("Time", "ClusterId", "Revision", "Kind", "Actor", "Source", "Summary", "DetailsJson", "PreviousHash", "Hash")
                VALUES ($time, 'local', NULL, $kind, $actor, $source, $summary, $details, $previous, $hash) RETURNING "Id"
                """;
            insert.Parameters.AddWithValue("$time", ticks);
            insert.Parameters.AddWithValue("$kind", kind);
            insert.Parameters.AddWithValue("$actor", actor);
            insert.Parameters.AddWithValue("$source", source);
            insert.Parameters.AddWithValue("$summary", summary);
            insert.Parameters.AddWithValue("$details", details);
            insert.Parameters.AddWithValue("$previous", previous);
            insert.Parameters.AddWithValue("$hash", hash);
            appended.Add(((long)(await insert.ExecuteScalarAsync())!, new DateTimeOffset(ticks, TimeSpan.Zero)));
            previous = hash;
        }
        await transaction.CommitAsync();
        return appended;
    }

    private static async Task<Dictionary<long, JsonNode>> EventsAsync(HttpClient client)
    {
        var page = await (await client.GetAsync("/api/v1/audit?limit=200")).ReadJsonAsync();
        return page["items"]!.AsArray().ToDictionary(e => (long)e!["id"]!, e => e!);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgreSqlServer.Shared.ConnectionString(_database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>The published binary's command, as an operator would run it: configuration from the environment.</summary>
    private static async Task<int> RunAsync(string dataDirectory, Dictionary<string, string?> settings, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ControlApi__DataDirectory"] = dataDirectory;
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Console.WriteLine(await output + await error);
        return process.ExitCode;
    }
}
