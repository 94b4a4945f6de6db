using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Commits;
using ControlApi.Concurrency;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Commits;

/// <summary>
/// The commit job honours the cluster's commit lease: while "another replica" (a second holder on
/// the service's own database) holds it, nothing is committed and one follow-up is scheduled; when
/// that holder lets go or dies, the revision is committed exactly once.
/// </summary>
public sealed class CommitLeaseTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;

    public CommitLeaseTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
    }

    public void Dispose() => _temp.Dispose();

    private ControlApiFactory Service() => new(new Dictionary<string, string?>
    {
        ["ControlApi:Clusters:0:GitOps:Repository"] = _remote,
        ["ControlApi:Leases:Duration"] = LeaseDuration.ToString(),
    });

    private static Leases OtherReplica(ControlApiFactory service) =>
        new(service.Services.GetRequiredService<IServiceScopeFactory>(), new LeaseHolder("other-replica"),
            Options.Create(new LeaseOptions { Duration = LeaseDuration }), TimeProvider.System, NullLogger<Leases>.Instance);

    [Fact]
    public async Task While_another_replica_holds_the_commit_lease_the_revision_waits_then_is_committed_once_it_lets_go()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        var other = await OtherReplica(service).TryAcquireAsync(LeaseNames.Commit("local"), default);
        Assert.NotNull(other);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":false}}"""))).StatusCode);

        // Both commit jobs ran, found the lease held and left one follow-up between them.
        // (The follow-up itself comes round every third of the lease and defers again while it is held.)
        var (scheduled, _) = await Eventually.WaitAsync(() => Task.FromResult((ScheduledCommitJobs(service), ProcessingOrEnqueuedCommitJobs(service))),
            jobs => jobs.Item1 >= 1 && jobs.Item2 == 0, TimeSpan.FromSeconds(30), "the refused commit jobs to end with a follow-up");
        Assert.Equal(1, scheduled);
        Assert.Equal("Accepted", await StateAsync(client, 1));
        Assert.Equal("Accepted", await StateAsync(client, 2));

        await other.DisposeAsync();

        await WaitForStateAsync(client, 2, "Committed");
        Assert.Equal(["local/1", "local/2"], await CommittedRevisionsAsync());
        Assert.Equal(2, await CountAsync(service, "git.committed"));
    }

    [Fact]
    public async Task A_replica_that_died_holding_the_commit_lease_is_taken_over_once_the_lease_lapses()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        // Taken and never renewed: the holder is gone.
        var lapses = await OtherReplica(service).TryTakeAsync(LeaseNames.Commit("local"), default);
        Assert.NotNull(lapses);

        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));

        var revision = await WaitForStateAsync(client, 1, "Committed");
        var committedAt = revision["timeline"]!.AsArray().Select(t => t!).Single(t => (string)t["state"]! == "Committed");
        Assert.True(DateTimeOffset.Parse((string)committedAt["at"]!) >= lapses, "committed before the dead replica's lease lapsed");
        Assert.Equal(["local/1"], await CommittedRevisionsAsync());
        Assert.Equal(1, await CountAsync(service, "git.committed"));
    }

    private static long ScheduledCommitJobs(ControlApiFactory service) =>
        service.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledJobs(0, 100)
            .Count(j => j.Value.Job?.Type == typeof(CommitJob));

    private static long ProcessingOrEnqueuedCommitJobs(ControlApiFactory service)
    {
        var monitoring = service.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        return monitoring.ProcessingJobs(0, 100).Count(j => j.Value.Job?.Type == typeof(CommitJob))
            + monitoring.EnqueuedJobs("default", 0, 100).Count(j => j.Value.Job?.Type == typeof(CommitJob));
    }

    private async Task<List<string>> CommittedRevisionsAsync()
    {
        var log = await _git.RunAsync(_remote, "log", "--reverse", "--format=%(trailers:key=ControlApi-Revision,valueonly,separator=)", "main");
        return log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static async Task<int> CountAsync(ControlApiFactory service, string kind)
    {
        await using var scope = service.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.CountAsync(e => e.Kind == kind);
    }

    private static async Task<string?> StateAsync(HttpClient client, int number) =>
        (string?)(await (await client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync())["state"];

    private static Task<JsonNode> WaitForStateAsync(HttpClient client, int number, string state) =>
        Eventually.WaitAsync(async () => await (await client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync(),
            r => (string?)r?["state"] == state, TimeSpan.FromSeconds(45), $"revision {number} to be {state}")!;
}
