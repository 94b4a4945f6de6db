using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Settings;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Revisions;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Revisions;

/// <summary>
/// Changes that wait for their cluster's write turn while another writer holds it go through the
/// next turn together (group commit), and each still ends as if it had had a turn of its own: its
/// own revision number in the order the changes arrived, its own audit event and answer — and a
/// change that fails in the group fails alone. Compiled against PostgreSQL too.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private const string Cluster = "local";
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public GroupCommitTests() => _client = _factory.CreateClient(Role.Operator);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Waiting_changes_commit_together_in_arrival_order_and_one_that_fails_fails_alone()
    {
        const int writers = 6;
        const int failing = 3;
        await using var held = await HoldTurnAsync();

        var changes = new List<Task<ChangeOutcome>>();
        for (var writer = 1; writer <= writers; writer++)
        {
            var desire = writer == failing ? FailsInsideTheTurn(Hostname(writer)) : Sets(Hostname(writer));
            changes.Add(ApplyAsync(desire, CancellationToken.None));
            await WaitUntilInLineAsync(writer);
        }
        await held.DisposeAsync();

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => changes[failing - 1]);
        Assert.Equal(BrokenDesire, failed.Message);
        var numbers = new List<int>();
        foreach (var (change, writer) in changes.Select((c, i) => (c, i + 1)).Where(c => c.Item2 != failing))
            numbers.Add(Assert.IsType<ChangeOutcome.Accepted>(await change).Change.Revision.Number);
        Assert.Equal(Enumerable.Range(1, writers - 1), numbers);

        // Each revision holds its writer's hostname and is described against the revision before it.
        var survivors = Enumerable.Range(1, writers).Where(w => w != failing).Select(Hostname).ToList();
        string? before = null;
        for (var number = 1; number < writers; number++)
        {
            var revision = await (await _client.GetAsync($"/api/v1/clusters/{Cluster}/revisions/{number}")).ReadJsonAsync();
            var hostname = (string)revision["settings"]!["hubble"]!["ui"]!["hostname"]!;
            Assert.Equal(survivors[number - 1], hostname);
            var change = Assert.Single(revision["values"]!.AsArray(), v => Text(v!["new"]) == hostname);
            Assert.Equal(before, Text(change!["old"]));
            before = hostname;
        }
        var revisions = await (await _client.GetAsync($"/api/v1/clusters/{Cluster}/revisions?limit=100")).ReadJsonAsync();
        Assert.Equal(writers - 1, revisions["items"]!.AsArray().Count);

        // One change.accepted per revision, in order, and the hash chain unbroken.
        var audit = await (await _client.GetAsync("/api/v1/audit?kind=change.accepted&limit=100")).ReadJsonAsync();
        Assert.Equal(Enumerable.Range(1, writers - 1), audit["items"]!.AsArray().Select(e => (int)e!["revision"]!).Reverse());
        var verdict = await (await _client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.True((bool)verdict["ok"]!, verdict.ToJsonString());
    }

    [Fact]
    public async Task A_waiting_change_whose_requester_left_is_not_made()
    {
        await using var held = await HoldTurnAsync();
        var first = ApplyAsync(Sets(Hostname(1)), CancellationToken.None);
        await WaitUntilInLineAsync(1);
        using var leaving = new CancellationTokenSource();
        var left = ApplyAsync(Sets(Hostname(2)), leaving.Token);
        await WaitUntilInLineAsync(2);
        var third = ApplyAsync(Sets(Hostname(3)), CancellationToken.None);
        await WaitUntilInLineAsync(3);

        await leaving.CancelAsync();
        await held.DisposeAsync();

        Assert.Equal(1, Assert.IsType<ChangeOutcome.Accepted>(await first).Change.Revision.Number);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);
        var accepted = Assert.IsType<ChangeOutcome.Accepted>(await third);
        Assert.Equal(2, accepted.Change.Revision.Number);
        Assert.Equal(Hostname(3), accepted.Change.Revision.Settings.Hubble.Ui.Hostname);
        var revisions = await (await _client.GetAsync($"/api/v1/clusters/{Cluster}/revisions?limit=100")).ReadJsonAsync();
        Assert.Equal(2, revisions["items"]!.AsArray().Count);
    }

    private const string BrokenDesire = "this change breaks inside its write turn";

    /// <summary>The cluster's write turn, taken as any other writer (the commit job) takes it, until disposed.</summary>
    private async Task<HeldTurn> HoldTurnAsync()
    {
        var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var turn = await scope.ServiceProvider.GetRequiredService<WriteTurns>().BeginAsync(db, WriteScope.Cluster(Cluster), CancellationToken.None);
        return new HeldTurn(turn, scope);
    }

    private sealed class HeldTurn(WriteTurn turn, AsyncServiceScope scope) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            await turn.DisposeAsync();
            await scope.DisposeAsync();
        }
    }

    /// <summary>A change through the one change path, from a request scope of its own, as an endpoint sends it.</summary>
    private async Task<ChangeOutcome> ApplyAsync(Func<CiliumSettings, SettingsParseResult> desire, CancellationToken cancellationToken)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var cluster = scope.ServiceProvider.GetRequiredService<ClusterCatalog>().Find(Cluster)!;
        return await scope.ServiceProvider.GetRequiredService<ChangeService>()
            .ApplyAsync(new ChangeRequest(cluster, desire, "test-writer", AuditSources.Api), cancellationToken);
    }

    /// <summary>Until <paramref name="count"/> changes are in a group or waiting for one; the first waits for the held turn.</summary>
    private async Task WaitUntilInLineAsync(int count)
    {
        var groups = _factory.Services.GetRequiredService<ChangeGroups>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (groups.InLine(Cluster) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{groups.InLine(Cluster)} of {count} changes are in line.");
            await Task.Delay(10);
        }
    }

    private static Func<CiliumSettings, SettingsParseResult> Sets(string hostname) =>
        current => SettingsJson.Parse(SettingsJson.Serialize(WithHostname(current, hostname)));

    /// <summary>Reads as a change before the turn (the chart is picked for it), then throws inside it.</summary>
    private static Func<CiliumSettings, SettingsParseResult> FailsInsideTheTurn(string hostname)
    {
        var calls = 0;
        return current => Interlocked.Increment(ref calls) == 1
            ? SettingsJson.Parse(SettingsJson.Serialize(WithHostname(current, hostname)))
            : throw new InvalidOperationException(BrokenDesire);
    }

    private static CiliumSettings WithHostname(CiliumSettings current, string hostname) => current with
    {
        Hubble = current.Hubble with
        {
            Relay = true,
            Ui = new HubbleUiSettings { Enabled = true, ServiceType = ServiceType.LoadBalancer, Hostname = hostname },
        },
    };

    private static string Hostname(int writer) => $"hubble-{writer}.group.example";

    private static string? Text(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;
}
