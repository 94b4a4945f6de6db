using System.Net;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Api;

/// <summary>Storage that cannot take a write answers 503 with Retry-After and says what happened; readiness reports it.</summary>
public sealed class StorageFaultTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly ControlApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task A_database_locked_by_another_process_answers_503_with_Retry_After_then_the_change_goes_through()
    {
        var client = _factory.CreateClient(_factory.AdminKey!);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        // Another process (a second instance, a backup tool) holds the database's write lock.
        await using (var other = new SqliteConnection($"Data Source={Path.Combine(_factory.DataDirectory, "controlapi.db")};Pooling=False"))
        {
            await other.OpenAsync();
            await using var hold = other.CreateCommand();
            hold.CommandText = "BEGIN EXCLUSIVE";
            await hold.ExecuteNonQueryAsync();

            var refused = await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
            var ready = await client.GetAsync("/readyz");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            var problem = await refused.ReadJsonAsync();
            Assert.Equal("urn:controlapi:problem:storage-locked", (string)problem["type"]!);
            Assert.Contains("locked", (string)problem["detail"]!);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("locked", (string)(await ready.ReadJsonAsync())["detail"]!);

            hold.CommandText = "ROLLBACK";
            await hold.ExecuteNonQueryAsync();
        }

        var accepted = await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await using var scope = _factory.Services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Revisions.CountAsync());
    }

    [Theory]
    [InlineData(StorageFaultKind.Full, "storage-full", "full")]
    [InlineData(StorageFaultKind.ReadOnly, "storage-read-only", "read-only")]
    public async Task A_change_while_the_database_cannot_grow_or_be_written_answers_503_stores_nothing_and_goes_through_once_it_can(
        StorageFaultKind kind, string type, string said)
    {
        var fault = new SqliteStorageFault();
        using var service = new ControlApiFactory(services: s => s.AddSingleton<IInterceptor>(fault));
        var client = service.CreateClient(Role.Operator); // keys are made (a write) before the fault
        var viewer = service.CreateClient(Role.Viewer);    // never used yet: its first use would be recorded
        var before = await RevisionCountAsync(service);

        fault.Set(kind);
        // A full database still takes writes that fit in its pages' free room: changes go on being
        // accepted until one needs a new page, as on a disk that fills up. Read-only refuses the first.
        var accepted = 0;
        HttpResponseMessage refused;
        while ((refused = await client.PutAsync(Settings, Change(accepted))).StatusCode == HttpStatusCode.Accepted && accepted < 200) accepted++;
        Assert.True(kind == StorageFaultKind.Full || accepted == 0, $"{accepted} changes accepted while read-only");
        var ready = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:" + type, (string)problem["type"]!);
        var detail = (string)problem["detail"]!;
        Assert.Contains(said, detail, StringComparison.Ordinal);
        Assert.Contains("changed nothing", detail, StringComparison.Ordinal);
        // What happened in ControlApi's words: no driver message, no path.
        Assert.DoesNotContain("SQLite", detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(service.DataDirectory, detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains(said, (string)(await ready.ReadJsonAsync())["detail"]!, StringComparison.Ordinal);
        Assert.Equal(before + accepted, await RevisionCountAsync(service));
        // Reading still works, though the key's use cannot be recorded.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/clusters/local/revisions")).StatusCode);

        fault.Clear();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync(Settings, Change(accepted))).StatusCode);
        Assert.Equal(before + accepted + 1, await RevisionCountAsync(service));
        // A committed write shows storage takes writes again: ready at once, not 30 s later.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_revision_waiting_on_an_unreachable_remote_says_so_then_says_it_waits_for_a_database_that_cannot_be_written_and_lands_once()
    {
        using var temp = new TempDirectory();
        var git = new PlainGit(temp.Combine("home"));
        var remote = temp.Combine("fleet.git");
        await git.InitBareAsync(remote);
        Directory.Move(remote, remote + ".parked");
        var fault = new SqliteStorageFault();
        // A file:// URL is a remote someone else provides: missing means unreachable.
        using var service = new ControlApiFactory(new() { ["ControlApi:Clusters:0:GitOps:Repository"] = "file://" + remote },
            services: s => s.AddSingleton<IInterceptor>(fault));
        var client = service.CreateClient(Role.Operator);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync(Settings, Change(0))).StatusCode);
        var unreachable = (string?)(await Eventually.WaitAsync(() => RevisionAsync(client, 1), r => (string?)r?["state"] == "CommitFailed",
            TimeSpan.FromSeconds(30), "revision 1 failing on the missing remote"))["stateReason"];

        // The remote is back, but the database takes no writes: the push can happen, its record cannot.
        fault.Set(StorageFaultKind.ReadOnly);
        Directory.Move(remote + ".parked", remote);
        var waiting = await Eventually.WaitAsync(() => RevisionAsync(client, 1), r => ((string?)r?["stateReason"])?.Contains("cannot be written") == true,
            TimeSpan.FromSeconds(30), "revision 1 to say it waits for the database");
        Assert.Equal("CommitFailed", (string?)waiting["state"]);
        Assert.NotEqual(unreachable, (string?)waiting["stateReason"]);
        Assert.Contains("retries by itself", (string)waiting["stateReason"]!, StringComparison.Ordinal);

        fault.Clear();
        await Eventually.WaitAsync(() => RevisionAsync(client, 1), r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(45), "revision 1 committed");
        var trailers = await git.RunAsync(remote, "log", "--format=%(trailers:key=ControlApi-Revision,valueonly)", "main");
        Assert.Equal(["local/1"], trailers.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static async Task<System.Text.Json.Nodes.JsonNode?> RevisionAsync(HttpClient client, int number) =>
        await (await client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync();

    /// <summary>The n-th of a series of changes, each different from the one before.</summary>
    private static HttpContent Change(int n) =>
        Json(n % 2 == 0 ? """{"hostFirewall":{"enabled":true}}""" : """{"hostFirewall":{"enabled":false}}""");

    private static async Task<int> RevisionCountAsync(ControlApiFactory service)
    {
        await using var scope = service.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Revisions.CountAsync();
    }

    [Fact]
    public void A_data_directory_that_cannot_be_created_stops_the_start_naming_it()
    {
        // Tests run as root, where permissions stop nothing: a path under a regular file cannot be a directory for anyone.
        var file = Path.Combine(_factory.DataDirectory, "not-a-directory");
        File.WriteAllText(file, "");
        using var service = new ControlApiFactory(dataDirectory: Path.Combine(file, "data"));

        var failure = Assert.ThrowsAny<Exception>(() => service.Services);

        Assert.Contains($"The data directory {Path.Combine(file, "data")} cannot be created", failure.ToString());
    }

    [Fact]
    public void A_job_database_that_cannot_be_opened_stops_the_start_naming_it()
    {
        var data = Path.Combine(_factory.DataDirectory, "other-data");
        Directory.CreateDirectory(Path.Combine(data, "hangfire.db"));
        using var service = new ControlApiFactory(dataDirectory: data);

        var failure = Assert.ThrowsAny<Exception>(() => service.Services);

        Assert.Contains($"The job database {Path.Combine(data, "hangfire.db")} cannot be opened", failure.ToString());
    }

    [Theory]
    [InlineData(13, StorageFaultKind.Full)]
    [InlineData(8, StorageFaultKind.ReadOnly)]
    [InlineData(14, StorageFaultKind.Unavailable)]
    [InlineData(5, StorageFaultKind.Locked)]
    [InlineData(6, StorageFaultKind.Locked)]
    [InlineData(13 | (1 << 8), StorageFaultKind.Full)]
    public void SQLite_result_codes_are_classified_through_wrapping_exceptions(int code, StorageFaultKind kind)
    {
        var wrapped = new DbUpdateException("saving failed", new SqliteException("sqlite says no", code));

        Assert.Equal(kind, StorageFaults.Classify(wrapped)?.Kind);
    }

    [Theory]
    [InlineData("08006", StorageFaultKind.Unavailable)] // connection failure
    [InlineData("57P01", StorageFaultKind.Unavailable)] // terminated by an administrator
    [InlineData("55000", StorageFaultKind.Unavailable)] // database not accepting connections
    [InlineData("53100", StorageFaultKind.Full)]
    [InlineData("55P03", StorageFaultKind.Locked)]
    [InlineData("23505", null)] // a unique violation is a bug, not storage: readiness stays
    [InlineData("40001", null)]
    [InlineData("42P01", null)]
    public void PostgreSQL_errors_are_storage_faults_only_when_the_server_cannot_serve(string sqlState, StorageFaultKind? kind)
    {
        var wrapped = new DbUpdateException("saving failed", new Npgsql.PostgresException("server says no", "ERROR", "ERROR", sqlState));

        Assert.Equal(kind, StorageFaults.Classify(wrapped)?.Kind);
    }

    [Fact]
    public async Task A_full_database_is_classified_from_the_error_SQLite_really_raises()
    {
        // max_page_count makes SQLITE_FULL honestly, without filling a disk.
        var file = Path.Combine(_factory.DataDirectory, "small.db");
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE t (x BLOB); PRAGMA max_page_count = 3;";
        await command.ExecuteNonQueryAsync();
        command.CommandText = "INSERT INTO t VALUES (zeroblob(100000))";

        var full = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(StorageFaultKind.Full, StorageFaults.Classify(full)?.Kind);
        Assert.Null(StorageFaults.Classify(new InvalidOperationException("not storage")));
    }
}
