using System.Collections.Concurrent;
using System.Net;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Replicas;

/// <summary>
/// Two service instances — two replicas: each its own data directory (working copies), one
/// PostgreSQL database, one GitOps remote — taking changes at the same time.
/// </summary>
public sealed class TwoReplicasTests : IDisposable
{
    private const int Changes = 200;
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;
    private readonly string _database;

    public TwoReplicasTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
        _database = PostgreSqlServer.Shared.CreateDatabase();
    }

    public void Dispose()
    {
        PostgreSqlServer.Shared.DropDatabase(_database);
        _temp.Dispose();
    }

    private ControlApiFactory Replica(CapturingLoggerProvider logs) => new(new Dictionary<string, string?>
    {
        [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
        [ControlApiFactory.DatabaseConnectionKey] = PostgreSqlServer.Shared.ConnectionString(_database),
        // A remote someone else provides (file://): neither replica creates it.
        ["ControlApi:Clusters:0:GitOps:Repository"] = "file://" + _remote,
        // Both replicas must accept the other's keys: one admin key for both, as one Secret would give.
        [SecurityOptions.AdminKeyVariable] = AdminKey,
    }, logs: logs);

    private static readonly string AdminKey = "test-admin-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Two_hundred_concurrent_changes_over_two_replicas_get_numbers_1_to_200_each_committed_once_in_order_and_the_audit_chain_verifies()
    {
        await _git.InitBareAsync(_remote);
        CapturingLoggerProvider[] logs = [new(), new()];
        using var first = Replica(logs[0]);
        using var second = Replica(logs[1]);
        HttpClient[] clients = [first.CreateClient(Role.Admin), second.CreateClient(Role.Admin)];

        // Every change names another Hubble UI hostname, so each renders different files and makes a commit.
        var numbers = new ConcurrentBag<int>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(1, Changes), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var body = Shared.SeedSettings.Json.Replace("hubble.goldentooth.net", $"hubble-{i}.goldentooth.net", StringComparison.Ordinal);
            using var response = await clients[i % 2].SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/cilium", Json(body),
                ("X-Change-Reason", $"change {i}")), ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Accepted)
                numbers.Add((int)(await response.ReadJsonAsync())["revision"]!["number"]!);
        });

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Accepted, status));
        Assert.Equal(Enumerable.Range(1, Changes), numbers.Order());

        // Done when no revision waits for its commit any more (read on either replica: one database).
        await Eventually.WaitAsync(() => PendingOutboxAsync(first), pending => pending == 0, TimeSpan.FromMinutes(4), "every revision to be committed");

        var trailers = (await _git.RunAsync(_remote, "log", "--reverse", "--format=%(trailers:key=ControlApi-Revision,valueonly)", "main"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Enumerable.Range(1, Changes).Select(n => $"local/{n}"), trailers);

        var last = await (await clients[0].GetAsync($"/api/v1/clusters/local/revisions/{Changes}")).ReadJsonAsync();
        Assert.True((string?)last["state"] == "Committed", last.ToJsonString());
        Assert.Equal((await _git.HeadAsync(_remote)).Trim(), (string?)last["commitSha"]);

        // One git.committed event per revision, whichever replica pushed it; losing a push race to the
        // other replica is not a failure anyone is told about.
        var committedEvents = await AuditAsync(first, "git.committed");
        Assert.Equal(Enumerable.Range(1, Changes), committedEvents.Select(e => e.Revision!.Value).Order());
        var pushFailures = await AuditAsync(first, "git.push_failed");
        Assert.True(pushFailures.Count == 0, string.Join("\n", pushFailures.Select(e => e.Summary)));

        // Commits of one cluster run on one replica at a time (the commit:{cluster} lease), whichever
        // took it; both replicas took changes, and together they committed every revision exactly once.
        Assert.Equal(Changes, logs.Sum(log => log.Lines.Count(line => line.Contains(" is Committed (", StringComparison.Ordinal))));

        foreach (var client in clients)
        {
            var verdict = await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
            Assert.True((bool)verdict["ok"]!, verdict.ToJsonString());
            Assert.True((long)verdict["checked"]! >= 2 * Changes);
        }
    }

    private static async Task<int> PendingOutboxAsync(ControlApiFactory service)
    {
        await using var scope = service.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Outbox.CountAsync(m => m.ProcessedAt == null);
    }

    private static async Task<List<Data.Entities.AuditEvent>> AuditAsync(ControlApiFactory service, string kind)
    {
        await using var scope = service.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.AsNoTracking()
            .Where(e => e.Kind == kind).OrderBy(e => e.Id).ToListAsync();
    }
}
