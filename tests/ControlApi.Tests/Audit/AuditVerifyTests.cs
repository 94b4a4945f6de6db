using System.Net;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Tests.Support;
using ControlApi.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Audit;

/// <summary>GET /api/v1/audit/verify finds tampering done with plain SQL, at the row where the chain breaks.</summary>
public sealed class AuditVerifyTests : IDisposable
{
    private const string Columns = "Time, ClusterId, Revision, Kind, Actor, Source, Summary, DetailsJson, PreviousHash, Hash";
    private readonly ControlApiFactory _service = new();

    public void Dispose() => _service.Dispose();

    /// <summary>What is done to the 12 seeded events (ids 1..12), and the id verify must name.</summary>
    public static TheoryData<string, string, long> Tampering => new()
    {
        { "a summary updated", "UPDATE AuditEvents SET Summary = 'nothing to see here' WHERE Id = 5", 5 },
        { "details updated", "UPDATE AuditEvents SET DetailsJson = '{\"reason\":\"innocent\"}' WHERE Id = 9", 9 },
        { "the actor updated", "UPDATE AuditEvents SET Actor = 'mallory' WHERE Id = 12", 12 },
        { "the time moved", "UPDATE AuditEvents SET Time = Time + 10000000 WHERE Id = 3", 3 },
        { "a row deleted", "DELETE FROM AuditEvents WHERE Id = 5", 6 },
        { "the first row deleted", "DELETE FROM AuditEvents WHERE Id = 1", 2 },
        { "two rows' contents swapped (reordered)",
            $"""
            CREATE TEMP TABLE swap AS SELECT * FROM AuditEvents WHERE Id IN (4, 8);
            UPDATE AuditEvents SET ({Columns}) = (SELECT {Columns} FROM swap WHERE swap.Id = 8) WHERE Id = 4;
            UPDATE AuditEvents SET ({Columns}) = (SELECT {Columns} FROM swap WHERE swap.Id = 4) WHERE Id = 8;
            DROP TABLE swap;
            """, 4 },
        { "neighbours swapped (reordered)",
            $"""
            CREATE TEMP TABLE swap AS SELECT * FROM AuditEvents WHERE Id IN (10, 11);
            UPDATE AuditEvents SET ({Columns}) = (SELECT {Columns} FROM swap WHERE swap.Id = 11) WHERE Id = 10;
            UPDATE AuditEvents SET ({Columns}) = (SELECT {Columns} FROM swap WHERE swap.Id = 10) WHERE Id = 11;
            DROP TABLE swap;
            """, 10 },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Tampering_by_SQL_is_reported_at_the_first_row_that_no_longer_fits(string what, string sql, long firstBrokenId)
    {
        var seeded = await SeedAsync();
        var client = _service.CreateClient(Role.Viewer);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), seeded.Select(e => e.Id));
        Assert.True((bool)(await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync())["ok"]!);

        await ExecuteAsync(sql);

        var verdict = await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.False((bool)verdict["ok"]!, what);
        Assert.Equal(firstBrokenId, (long)verdict["firstBrokenId"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)verdict["problem"]));
    }

    [Fact]
    public async Task A_row_edited_and_rehashed_still_breaks_the_link_to_the_next_one()
    {
        await SeedAsync();
        var client = _service.CreateClient(Role.Viewer);
        await using (var scope = _service.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            var row = await db.AuditEvents.SingleAsync(e => e.Id == 5);
            row.Summary = "rewritten history";
            row.Hash = AuditLog.ComputeHash(row);
            await db.SaveChangesAsync();
        }

        var verdict = await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.False((bool)verdict["ok"]!);
        Assert.Equal(6, (long)verdict["firstBrokenId"]!);
        Assert.Equal(AuditChainVerifier.LinkBroken, (string)verdict["problem"]!);
    }

    [Fact]
    public async Task An_intact_chain_is_ok_with_every_event_checked_and_the_head_named()
    {
        await SeedAsync();
        var client = _service.CreateClient(Role.Viewer);
        List<AuditEvent> all;
        await using (var scope = _service.Services.CreateAsyncScope())
            all = await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();

        var verdict = await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();

        Assert.True((bool)verdict["ok"]!);
        Assert.Equal(13, all.Count); // the seeded twelve and the reader's apikey.created
        Assert.Equal(all.Count, (long)verdict["checked"]!);
        Assert.Null(verdict["firstBrokenId"]);
        Assert.Equal(all[^1].Id, (long)verdict["lastId"]!);
        Assert.Equal(all[^1].Hash, (string)verdict["lastHash"]!);
    }

    [Fact]
    public async Task The_chain_the_service_writes_itself_verifies_and_tells_one_change_from_accepted_to_committed()
    {
        var client = _service.CreateClient(Role.Operator);
        var put = await client.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/features/encryption", Json("""{"enabled":true}"""),
            ("X-Change-Reason", "encrypt pod traffic")));
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);

        var story = await Eventually.WaitAsync(async () =>
                (await (await client.GetAsync("/api/v1/audit?cluster=local&revision=1")).ReadJsonAsync())["items"]!.AsArray()
                    .Select(i => (string)i!["kind"]!).Reverse().ToList(),
            kinds => kinds is not null && kinds.Contains(AuditKinds.GitCommitted), what: "git.committed for revision 1");

        Assert.Equal([AuditKinds.ChangeAccepted, AuditKinds.GitCommitted], story);
        Assert.True((bool)(await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync())["ok"]!);
    }

    [Fact]
    public async Task An_empty_history_verifies()
    {
        // The admin key from the environment is not stored, so reading with it writes nothing.
        var verdict = await (await _service.CreateClient(Role.Admin).GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.True((bool)verdict["ok"]!);
        Assert.Equal(0, (long)verdict["checked"]!);
    }

    private Task<List<AuditEvent>> SeedAsync() =>
        AuditSeed.AppendAsync(_service, Enumerable.Range(0, 12).Select(i =>
            (SeededAudit.T0.AddMinutes(i), AuditSeed.Entry(i % 2 == 0 ? AuditKinds.ChangeAccepted : AuditKinds.GitCommitted, revision: 1 + i / 2, summary: $"step {i}"))));

    private async Task ExecuteAsync(string sql)
    {
        // Straight to the file, past EF Core and the service: what someone with the database would do.
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_service.DataDirectory, "controlapi.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
