using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using ControlApi.Security;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Rollback;

/// <summary>POST .../revisions/{n}/rollback: a new revision with revision n's settings, committed to a real bare repository.</summary>
public sealed class RollbackTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private const string Release = "gitops/infrastructure/cilium/release.yaml";
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;
    private readonly ControlApiFactory _service;
    private readonly HttpClient _client;

    public RollbackTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
        _service = new ControlApiFactory(new Dictionary<string, string?> { ["ControlApi:Clusters:0:GitOps:Repository"] = _remote });
        _client = _service.CreateClient(Role.Operator);
    }

    public void Dispose()
    {
        _service.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Rolling_back_makes_a_new_revision_with_the_old_settings_and_commits_it()
    {
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");
        var first = await WaitForStateAsync(1, "Committed");
        await ChangeAsync("""{"hostFirewall":{"enabled":true},"encryption":{"enabled":true,"type":"wireguard"}}""");
        await WaitForStateAsync(2, "Committed");

        var rollback = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/clusters/local/revisions/1/rollback", null,
            ("X-Change-Reason", "wireguard broke the storage network"), ("X-On-Behalf-Of", "alice")));

        Assert.Equal(HttpStatusCode.Accepted, rollback.StatusCode);
        Assert.Equal("/api/v1/clusters/local/revisions/3", rollback.Headers.Location!.OriginalString);
        Assert.Equal("\"3\"", rollback.Headers.ETag!.Tag);
        var body = await rollback.ReadJsonAsync();
        Assert.False((bool)body["noChange"]!);
        Assert.Equal(3, (int)body["revision"]!["number"]!);
        Assert.Equal("rollback to 1: wireguard broke the storage network", (string)body["revision"]!["reason"]!);
        Assert.Equal("alice", (string)body["revision"]!["onBehalfOf"]!);
        Assert.True(JsonNode.DeepEquals(first["settings"], body["revision"]!["settings"]));

        var third = await WaitForStateAsync(3, "Committed");
        var sha = (string)third["commitSha"]!;
        Assert.Equal(sha, await _git.HeadAsync(_remote));
        Assert.Equal(await _git.ShowAsync(_remote, (string)first["commitSha"]!, Release), await _git.ShowAsync(_remote, sha, Release));
        var message = await _git.RunAsync(_remote, "log", "-1", "--format=%B", sha);
        Assert.Contains("rollback to 1: wireguard broke the storage network", message);
        Assert.Contains("ControlApi-Revision: local/3", message);
        Assert.Equal("Superseded", (string)(await RevisionAsync(2))["state"]!);

        var story = await (await _client.GetAsync("/api/v1/audit?cluster=local&revision=3")).ReadJsonAsync();
        var accepted = story["items"]!.AsArray().Single(e => (string)e!["kind"]! == AuditKinds.ChangeAccepted)!;
        Assert.Equal("rollback to 1: wireguard broke the storage network", (string)accepted["details"]!["reason"]!);
    }

    [Fact]
    public async Task Rolling_back_without_a_reason_says_which_revision_it_returns_to()
    {
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");
        await ChangeAsync("""{"hostFirewall":{"enabled":false}}""");

        var body = await (await _client.PostAsync("/api/v1/clusters/local/revisions/1/rollback", null)).ReadJsonAsync();

        Assert.Equal("rollback to 1", (string)body["revision"]!["reason"]!);
    }

    [Fact]
    public async Task Rolling_back_to_revision_0_restores_the_defaults()
    {
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");

        var rollback = await _client.PostAsync("/api/v1/clusters/local/revisions/0/rollback", null);

        Assert.Equal(HttpStatusCode.Accepted, rollback.StatusCode);
        var defaults = await (await _client.GetAsync("/api/v1/clusters/local/revisions/0")).ReadJsonAsync();
        var current = await (await _client.GetAsync(Settings)).ReadJsonAsync();
        Assert.Equal(2, (int)current["revision"]!);
        Assert.True(JsonNode.DeepEquals(defaults["settings"], current["settings"]));
    }

    [Fact]
    public async Task Rolling_back_to_the_current_settings_changes_nothing()
    {
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");
        await ChangeAsync("""{"hostFirewall":{"enabled":false}}""");
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");

        var rollback = await _client.PostAsync("/api/v1/clusters/local/revisions/1/rollback", null);

        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var body = await rollback.ReadJsonAsync();
        Assert.True((bool)body["noChange"]!);
        Assert.Equal(3, (int)body["revision"]!["number"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/clusters/local/revisions/4")).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/clusters/local/revisions/7/rollback", "revision-not-found")]
    [InlineData("/api/v1/clusters/local/revisions/-1/rollback", "revision-not-found")]
    [InlineData("/api/v1/clusters/nowhere/revisions/1/rollback", "cluster-not-found")]
    public async Task Rolling_back_to_something_unknown_is_a_404_problem(string url, string problem)
    {
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");

        var response = await _client.PostAsync(url, null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("urn:controlapi:problem:" + problem, (string)(await response.ReadJsonAsync())["type"]!);
    }

    [Fact]
    public async Task A_rollback_honours_If_Match_and_Idempotency_Key_like_any_change()
    {
        await ChangeAsync("""{"hostFirewall":{"enabled":true}}""");
        await ChangeAsync("""{"hostFirewall":{"enabled":false}}""");

        var stale = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/clusters/local/revisions/1/rollback", null, ("If-Match", "\"1\"")));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);

        var first = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/clusters/local/revisions/1/rollback", null, ("Idempotency-Key", "rb-1")));
        var again = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/clusters/local/revisions/1/rollback", null, ("Idempotency-Key", "rb-1")));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(3, (int)(await (await _client.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
    }

    private async Task ChangeAsync(string settings)
    {
        var response = await _client.PutAsync(Settings, Json(settings));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonNode> RevisionAsync(int number) =>
        await (await _client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync();

    private Task<JsonNode> WaitForStateAsync(int number, string state) =>
        Eventually.WaitAsync(() => RevisionAsync(number)!, r => (string?)r?["state"] == state, TimeSpan.FromSeconds(45), $"revision {number} to be {state}");
}
