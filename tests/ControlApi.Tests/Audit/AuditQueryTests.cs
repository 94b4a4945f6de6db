using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Data.Entities;
using ControlApi.Data;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ControlApi.Security;

namespace ControlApi.Tests.Audit;

/// <summary>GET /api/v1/audit and /audit/export against a seeded history that the tests only read.</summary>
public sealed class AuditQueryTests(SeededAudit audit) : IClassFixture<SeededAudit>
{
    /// <summary>cluster × kind (none, exact, prefix) × revision × actor × since × until; revision only with a cluster.</summary>
    public static TheoryData<string?, string?, int?, string?, int?, int?> Filters()
    {
        var data = new TheoryData<string?, string?, int?, string?, int?, int?>();
        foreach (var cluster in new[] { null, "beta" })
        foreach (var kind in new[] { null, "git.committed", "flux." })
        foreach (var revision in cluster is null ? new int?[] { null } : [null, 3])
        foreach (var actor in new[] { null, "alice" })
        foreach (var since in new int?[] { null, 31 })
        foreach (var until in new int?[] { null, 120 })
            data.Add(cluster, kind, revision, actor, since, until);
        return data;
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Every_filter_and_combination_pages_through_exactly_the_matching_events_newest_first(
        string? cluster, string? kind, int? revision, string? actor, int? sinceMinute, int? untilMinute)
    {
        var since = sinceMinute is { } s ? SeededAudit.T0.AddMinutes(s) : (DateTimeOffset?)null;
        var until = untilMinute is { } u ? SeededAudit.T0.AddMinutes(u) : (DateTimeOffset?)null;
        var expected = audit.All
            .Where(e => cluster is null || e.ClusterId == cluster)
            .Where(e => kind is null || (kind.EndsWith('.') ? e.Kind.StartsWith(kind, StringComparison.Ordinal) : e.Kind == kind))
            .Where(e => revision is null || e.Revision == revision)
            .Where(e => actor is null || e.Actor == actor)
            .Where(e => since is null || e.Time >= since)
            .Where(e => until is null || e.Time < until)
            .OrderByDescending(e => e.Id)
            .Select(e => e.Id)
            .ToList();

        var query = Query(("cluster", cluster), ("kind", kind), ("revision", revision?.ToString()), ("actor", actor),
            ("since", since?.ToString("yyyy-MM-ddTHH:mm:ssZ")), ("until", until?.ToString("yyyy-MM-ddTHH:mm:ss+00:00")));
        var pages = await PageThroughAsync(query, limit: 7);

        Assert.Equal(expected, pages.SelectMany(p => p).Select(e => (long)e["id"]!).ToList());
        Assert.All(pages.SkipLast(1), page => Assert.Equal(7, page.Count));
    }

    [Fact]
    public async Task The_filters_select_something_so_the_combinations_are_not_vacuous()
    {
        // Each single filter value used above matches some but not all events.
        foreach (var query in new[] { "cluster=beta", "kind=git.committed", "kind=flux.", "cluster=beta&revision=3", "actor=alice", "since=2026-01-01T08:31:00Z", "until=2026-01-01T10:00:00Z" })
        {
            var count = (await PageThroughAsync(query, 500)).Sum(p => p.Count);
            Assert.InRange(count, 1, audit.All.Count - 1);
        }
    }

    [Fact]
    public async Task Since_is_inclusive_and_until_exclusive_to_the_tick_and_offsets_are_honoured()
    {
        // Events 40 and 41 share 08:40; 09:40+01:00 is the same instant.
        var ids = (await PageThroughAsync("since=2026-01-01T09:40:00%2B01:00&until=2026-01-01T08:42:00Z", 50)).SelectMany(p => p).Select(e => (long)e["id"]!).ToList();
        Assert.Equal([audit.Seeded[41].Id, audit.Seeded[40].Id], ids);
    }

    [Fact]
    public async Task An_event_reads_with_every_field_and_details_as_an_object()
    {
        var first = audit.Seeded[1];
        var page = await (await audit.Client.GetAsync($"/api/v1/audit?cluster=beta&limit=500")).ReadJsonAsync();
        var item = page["items"]!.AsArray().Single(i => (long)i!["id"]! == first.Id)!;

        Assert.Equal(first.Time, item["time"]!.GetValue<DateTimeOffset>());
        Assert.Equal("beta", (string)item["cluster"]!);
        Assert.Equal(first.Revision, (int)item["revision"]!);
        Assert.Equal(first.Kind, (string)item["kind"]!);
        Assert.Equal(first.Actor, (string)item["actor"]!);
        Assert.Equal("api", (string)item["source"]!);
        Assert.Equal("event 1", (string)item["summary"]!);
        Assert.Equal(1, (int)item["details"]!["i"]!);
        Assert.Equal(first.PreviousHash, (string)item["previousHash"]!);
        Assert.Equal(first.Hash, (string)item["hash"]!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cluster=alpha")]
    [InlineData("kind=flux.")]
    [InlineData("cluster=gamma&kind=flux.&actor=bob")]
    [InlineData("since=2026-01-01T08:20:00Z&until=2026-01-01T09:30:00Z&kind=change.accepted")]
    public async Task Export_streams_NDJSON_equal_to_the_paged_result(string query)
    {
        var paged = (await PageThroughAsync(query, 11)).SelectMany(p => p).ToList();

        var response = await audit.Client.GetAsync($"/api/v1/audit/export?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(AuditApi.NdjsonMediaType, response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(paged.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
            Assert.True(JsonNode.DeepEquals(paged[i], JsonNode.Parse(lines[i])), $"line {i + 1} differs from the paged event");
    }

    [Theory]
    [InlineData("limit=501", "invalid-limit")]
    [InlineData("limit=0", "invalid-limit")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "invalid-cursor")]
    [InlineData("cursor=%25%25", "invalid-cursor")]
    [InlineData("since=yesterday", "invalid-audit-filter")]
    [InlineData("until=2026-01-01T10:00:00", "invalid-audit-filter")]
    [InlineData("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "invalid-audit-filter")]
    [InlineData("revision=3", "invalid-audit-filter")]
    [InlineData("cluster=alpha&revision=three", "invalid-audit-filter")]
    [InlineData("kind=Flux*", "invalid-audit-filter")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it(string query, string problem)
    {
        var response = await audit.Client.GetAsync($"/api/v1/audit?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("urn:controlapi:problem:" + problem, (string)(await response.ReadJsonAsync())["type"]!);
    }

    [Fact]
    public async Task A_bad_export_filter_is_a_400_problem_too()
    {
        var response = await audit.Client.GetAsync("/api/v1/audit/export?since=soon");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("since", (string)(await response.ReadJsonAsync())["parameter"]!);
    }

    [Fact]
    public async Task The_largest_page_is_500_events()
    {
        var page = await (await audit.Client.GetAsync("/api/v1/audit?limit=500")).ReadJsonAsync();
        Assert.Equal(audit.All.Count, page["items"]!.AsArray().Count);
        Assert.Null(page["next"]);
    }

    private async Task<List<List<JsonNode>>> PageThroughAsync(string query, int limit)
    {
        var pages = new List<List<JsonNode>>();
        string? cursor = null;
        do
        {
            var url = $"/api/v1/audit?{query}&limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}");
            var response = await audit.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.ReadJsonAsync();
            pages.Add(page["items"]!.AsArray().Select(i => i!.DeepClone()).ToList());
            cursor = (string?)page["next"];
        }
        while (cursor is not null && pages.Count < 1000);
        return pages;
    }

    private static string Query(params (string Name, string? Value)[] parameters) =>
        string.Join('&', parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}"));
}

/// <summary>Keyset pages do not shift when events are added while someone reads.</summary>
public sealed class AuditCursorTests : IDisposable
{
    private readonly ControlApiFactory _service = new();

    public void Dispose() => _service.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("cluster=alpha")]
    [InlineData("kind=flux.")]
    public async Task The_cursor_continues_where_it_stopped_while_new_events_arrive(string filter)
    {
        var t = SeededAudit.T0;
        await AuditSeed.AppendAsync(_service, Enumerable.Range(0, 30).Select(i =>
            (t.AddSeconds(i), AuditSeed.Entry(i % 2 == 0 ? "flux.applied" : "git.committed", i % 3 == 0 ? "beta" : "alpha", summary: $"old {i}"))));
        var client = _service.CreateClient(Role.Viewer);
        List<long> matching;
        await using (var scope = _service.Services.CreateAsyncScope())
        {
            matching = (await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.AsNoTracking().ToListAsync())
                .Where(Matches(filter)).OrderByDescending(e => e.Id).Select(e => e.Id).ToList();
        }

        var read = new List<long>();
        string? cursor = null;
        var round = 0;
        do
        {
            var page = await (await client.GetAsync($"/api/v1/audit?{filter}&limit=4" + (cursor is null ? "" : $"&cursor={cursor}"))).ReadJsonAsync();
            read.AddRange(page["items"]!.AsArray().Select(i => (long)i!["id"]!));
            cursor = (string?)page["next"];
            // Newer events matching every filter land between the pages.
            round++;
            await AuditSeed.AppendAsync(_service, Enumerable.Range(0, 3).Select(i =>
                (t.AddHours(1).AddMinutes(round * 3 + i), AuditSeed.Entry(i % 2 == 0 ? "flux.applied" : "git.committed", "alpha", summary: $"new {round}/{i}"))));
        }
        while (cursor is not null);

        Assert.Equal(matching, read);
        var fresh = await (await client.GetAsync($"/api/v1/audit?{filter}&limit=1")).ReadJsonAsync();
        Assert.StartsWith("new ", (string)fresh["items"]![0]!["summary"]!);
    }

    private static Func<AuditEvent, bool> Matches(string filter) => filter switch
    {
        "cluster=alpha" => e => e.ClusterId == "alpha",
        "kind=flux." => e => e.Kind.StartsWith("flux.", StringComparison.Ordinal),
        _ => _ => true,
    };
}
