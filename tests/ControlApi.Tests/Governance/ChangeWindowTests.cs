using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Governance;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Governance;

/// <summary>
/// Change windows through HTTP: outside them a change waits as Scheduled and is committed to the real
/// bare repository when the window opens (the service clock is a FakeTimeProvider, the outbox sweep
/// runs on it), or is refused with 423; an admin may send it at once with a reason.
/// </summary>
public sealed class ChangeWindowTests : IAsyncLifetime, IDisposable
{
    private const string Cluster = "/api/v1/clusters/local";
    private const string Settings = Cluster + "/cilium";
    private const string Policy = Cluster + "/policy";

    /// <summary>The seed's nightly window: 22:00–24:00 in Berlin, i.e. 21:00–23:00 UTC in December.</summary>
    private const string Nightly = """{"kind": "allow", "schedule": "0 22 * * *", "duration": "02:00:00", "timeZone": "Europe/Berlin"}""";

    private static readonly DateTimeOffset Noon = At("2026-12-07T11:00:00Z");
    private static readonly DateTimeOffset Opens = At("2026-12-07T21:00:00Z");

    private readonly FakeTimeProvider _time = new(Noon);
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;
    private ControlApiFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _operator = null!;

    public ChangeWindowTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
    }

    public async Task InitializeAsync()
    {
        _factory = new ControlApiFactory(new Dictionary<string, string?> { ["ControlApi:Clusters:0:GitOps:Repository"] = _remote },
            services: s => s.AddSingleton<TimeProvider>(_time));
        _admin = _factory.CreateClient(Role.Admin);
        _operator = _factory.CreateClient(await _factory.CreateKeyAsync("olga", Role.Operator));
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_change_outside_the_window_waits_as_Scheduled_and_is_committed_when_the_window_opens()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}], "outsideWindow": "schedule"}""");

        var put = await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));

        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        var change = (await put.ReadJsonAsync())["revision"]!;
        Assert.Equal("Scheduled", (string?)change["state"]);
        Assert.Equal(Opens, (DateTimeOffset)change["scheduledFor"]!);
        var revision = await RevisionAsync(1);
        Assert.Equal("Scheduled", (string?)revision["state"]);
        Assert.Equal(Opens, (DateTimeOffset)revision["scheduledFor"]!);
        Assert.Contains("2026-12-07 21:00 UTC", (string?)revision["stateReason"]);
        // The scheduled revision is the desired settings: the next change builds on it (and waits too).
        Assert.Equal(1, (int)(await (await _operator.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
        Assert.Equal(Opens, (DateTimeOffset)(await (await _operator.GetAsync(Cluster)).ReadJsonAsync())["policy"]!["window"]!["nextOpen"]!);

        // A sweep while the window is still closed releases nothing, and nothing reached the repository.
        _time.Advance(TimeSpan.FromHours(9));
        Assert.Equal(0, await ReleaseDueAsync());
        Assert.Equal(1, await _git.CountCommitsAsync(_remote, "main"));
        Assert.Contains(AuditKinds.ChangeScheduled, await AuditKindsAsync());
        Assert.DoesNotContain(AuditKinds.ChangeAccepted, await AuditKindsAsync());

        _time.Advance(Opens + TimeSpan.FromSeconds(30) - _time.GetUtcNow());

        var committed = await WaitForStateAsync(1, "Committed");
        Assert.Equal(["Scheduled", "Accepted", "Committed"], committed["timeline"]!.AsArray().Select(t => (string)t!["state"]!));
        Assert.Null(committed["scheduledFor"]);
        Assert.Equal((string)committed["commitSha"]!, await _git.HeadAsync(_remote));
        Assert.Contains("ControlApi-Revision: local/1", await _git.RunAsync(_remote, "log", "-1", "--format=%B", "main"));
        var kinds = await AuditKindsAsync();
        Assert.True(kinds.IndexOf(AuditKinds.ChangeScheduled) < kinds.IndexOf(AuditKinds.ChangeReleased));
        Assert.Contains(AuditKinds.GitCommitted, kinds);
    }

    [Fact]
    public async Task An_approved_change_outside_the_window_waits_as_Scheduled_and_goes_when_the_window_opens()
    {
        await SetPolicyAsync($$"""{"approvals": {"dangerous": 1, "approvers": "operator"}, "windows": [{{Nightly}}], "outsideWindow": "schedule"}""");
        var second = _factory.CreateClient(await _factory.CreateKeyAsync("paula", Role.Operator));

        var put = await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal("PendingApproval", (string?)(await put.ReadJsonAsync())["revision"]!["state"]);

        // Approval is no way around the window: the approved change waits for it, nothing is committed.
        Assert.Equal(HttpStatusCode.OK, (await second.PostAsync($"{Cluster}/revisions/1/approve", null)).StatusCode);
        var approved = await RevisionAsync(1);
        Assert.Equal("Scheduled", (string?)approved["state"]);
        Assert.Contains("2026-12-07 21:00 UTC", (string?)approved["stateReason"]);
        Assert.Equal(0, await ReleaseDueAsync());
        Assert.Equal(1, await _git.CountCommitsAsync(_remote, "main"));

        _time.Advance(Opens + TimeSpan.FromSeconds(30) - _time.GetUtcNow());

        var committed = await WaitForStateAsync(1, "Committed");
        Assert.Equal(["PendingApproval", "Scheduled", "Accepted", "Committed"], committed["timeline"]!.AsArray().Select(t => (string)t!["state"]!));
        Assert.Equal((string)committed["commitSha"]!, await _git.HeadAsync(_remote));
    }

    [Fact]
    public async Task A_refusing_policy_answers_423_naming_the_next_opening_and_stores_nothing()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}], "outsideWindow": "refuse"}""");

        var put = await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));

        Assert.Equal(HttpStatusCode.Locked, put.StatusCode);
        var problem = await put.ReadJsonAsync();
        Assert.EndsWith("outside-change-window", (string?)problem["type"]);
        Assert.Contains("opens at 2026-12-07 21:00 UTC", (string?)problem["detail"]);
        Assert.Contains("X-Change-Window-Override", (string?)problem["detail"]);
        Assert.Equal(Opens, (DateTimeOffset)problem["nextOpen"]!);
        Assert.Equal(0, (int)(await (await _operator.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
        Assert.Equal(AuditKinds.ChangeBlocked, (await AuditKindsAsync()).Last());

        // Inside the window the same change goes at once.
        _time.Advance(Opens + TimeSpan.FromMinutes(5) - _time.GetUtcNow());
        var inside = await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal(HttpStatusCode.Accepted, inside.StatusCode);
        Assert.Equal("Accepted", (string?)(await inside.ReadJsonAsync())["revision"]!["state"]);
        await WaitForStateAsync(1, "Committed");
    }

    [Fact]
    public async Task An_admin_sends_a_change_through_a_closed_window_with_a_reason_and_an_operator_may_not()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}], "outsideWindow": "schedule"}""");

        var operatorOverride = await _operator.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""),
            (WindowOverride.Header, "I am in a hurry")));
        Assert.Equal(HttpStatusCode.Forbidden, operatorOverride.StatusCode);
        Assert.EndsWith("window-override-forbidden", (string?)(await operatorOverride.ReadJsonAsync())["type"]);
        Assert.Equal(0, (int)(await (await _operator.GetAsync(Settings)).ReadJsonAsync())["revision"]!);

        var adminOverride = await _admin.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""),
            (WindowOverride.Header, "hotfix for INC-42")));

        Assert.Equal(HttpStatusCode.Accepted, adminOverride.StatusCode);
        Assert.Equal("Accepted", (string?)(await adminOverride.ReadJsonAsync())["revision"]!["state"]);
        await WaitForStateAsync(1, "Committed");
        var overridden = (await AuditAsync()).Single(e => (string?)e["kind"] == AuditKinds.ChangeWindowOverridden);
        Assert.Contains("hotfix for INC-42", (string?)overridden["summary"]);
        Assert.Equal(1, (int?)overridden["revision"]);
        Assert.Contains(AuditKinds.ChangeBlocked, await AuditKindsAsync());
    }

    [Fact]
    public async Task A_change_sent_through_the_window_supersedes_the_scheduled_one_it_builds_on()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}]}""");
        await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal("Scheduled", (string?)(await RevisionAsync(1))["state"]);

        var urgent = await _admin.SendAsync(Request(HttpMethod.Patch, Settings, MergePatch("""{"l7Proxy":false}"""), (WindowOverride.Header, "hotfix")));
        Assert.Equal(HttpStatusCode.Accepted, urgent.StatusCode);

        var second = await WaitForStateAsync(2, "Committed");
        Assert.True((bool)second["settings"]!["hostFirewall"]!["enabled"]!);
        var first = await RevisionAsync(1);
        Assert.Equal("Superseded", (string?)first["state"]);
        Assert.Contains("Revision 2", (string?)first["stateReason"]);
        // When the window opens there is nothing left to release: revision 1 is never committed after 2.
        _time.Advance(Opens + TimeSpan.FromMinutes(1) - _time.GetUtcNow());
        Assert.Equal(0, await ReleaseDueAsync());
        Assert.Equal(2, await _git.CountCommitsAsync(_remote, "main"));
    }

    [Fact]
    public async Task A_rollback_waits_for_the_window_like_any_change_but_an_automatic_rollback_goes_at_once()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}]}""");
        await _admin.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), (WindowOverride.Header, "hotfix")));
        await WaitForStateAsync(1, "Committed");
        await _operator.PatchAsync(Settings, MergePatch("""{"l7Proxy":false}"""));

        var manual = await _operator.PostAsync(Cluster + "/revisions/1/rollback", null);

        Assert.Equal(HttpStatusCode.Accepted, manual.StatusCode);
        Assert.Equal("Scheduled", (string?)(await manual.ReadJsonAsync())["revision"]!["state"]);

        // As the tracker's AutoRollback makes it after a failure: through RevisionRollback, source auto-rollback.
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var cluster = scope.ServiceProvider.GetRequiredService<ControlApi.Configuration.ClusterCatalog>().Find("local")!;
            var outcome = await scope.ServiceProvider.GetRequiredService<ControlApi.Revisions.RevisionRollback>().ApplyAsync(
                cluster, 0, ControlApi.Tracking.AutoRollback.Actor, AuditSources.AutoRollback, null, "automatic: revision 3 ended RolloutStuck", CancellationToken.None);
            var ran = Assert.IsType<ControlApi.Revisions.RollbackOutcome.Ran>(outcome);
            Assert.Equal(ControlApi.Core.Revisions.RevisionState.Accepted, Assert.IsType<ControlApi.Revisions.ChangeOutcome.Accepted>(ran.Change).Change.Revision.State);
        }

        await WaitForStateAsync(4, "Committed");
        Assert.Equal("Superseded", (string?)(await RevisionAsync(2))["state"]);
        Assert.Equal("Superseded", (string?)(await RevisionAsync(3))["state"]);
        var overridden = (await AuditAsync()).Last(e => (string?)e["kind"] == AuditKinds.ChangeWindowOverridden);
        Assert.Equal((4, "controlapi"), ((int?)overridden["revision"], (string?)overridden["actor"]));
        Assert.Contains("automatic rollback", (string?)overridden["summary"]);
    }

    [Fact]
    public async Task A_deny_window_inside_the_allow_window_holds_changes_until_it_ends()
    {
        // Allowed 20:00–24:00 UTC, but not 21:00–22:00 (a deny window wins).
        await SetPolicyAsync("""
            {"windows": [{"kind": "allow", "schedule": "0 20 * * *", "duration": "04:00:00", "timeZone": "UTC"},
                         {"kind": "deny", "schedule": "0 21 * * *", "duration": "01:00:00", "timeZone": "UTC"}]}
            """);
        _time.Advance(At("2026-12-07T21:15:00Z") - _time.GetUtcNow());

        var put = await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));

        var change = (await put.ReadJsonAsync())["revision"]!;
        Assert.Equal("Scheduled", (string?)change["state"]);
        Assert.Equal(At("2026-12-07T22:00:00Z"), (DateTimeOffset)change["scheduledFor"]!);
        Assert.Contains("deny window", (string?)change["stateReason"]);
        _time.Advance(At("2026-12-07T22:00:10Z") - _time.GetUtcNow());
        await WaitForStateAsync(1, "Committed");
    }

    [Fact]
    public async Task An_open_window_does_not_lift_a_freeze_the_scheduled_revision_goes_after_the_unfreeze()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}]}""");
        await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(Cluster + "/freeze", Json("""{"reason":"etcd restore in progress"}"""))).StatusCode);

        _time.Advance(Opens + TimeSpan.FromMinutes(1) - _time.GetUtcNow());

        Assert.Equal(0, await ReleaseDueAsync());
        var held = await RevisionAsync(1);
        Assert.Equal("Scheduled", (string?)held["state"]);
        Assert.Contains("etcd restore in progress", (string?)held["stateReason"]);
        Assert.Equal(1, await _git.CountCommitsAsync(_remote, "main"));

        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(Cluster + "/unfreeze", Json("""{"reason":"restore done"}"""))).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(5));

        await WaitForStateAsync(1, "Committed");
    }

    [Fact]
    public async Task A_scheduled_revision_is_released_once_however_many_sweeps_race()
    {
        await SetPolicyAsync($$"""{"windows": [{{Nightly}}]}""");
        await _operator.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        // The service's own sweep runs on this clock too and races the four below, as other replicas' sweeps would.
        _time.SetUtcNow(Opens + TimeSpan.FromMinutes(1));

        var released = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ReleaseDueAsync()));

        Assert.True(released.Sum() <= 1);
        await WaitForStateAsync(1, "Committed");
        Assert.Single(await AuditKindsAsync(), k => k == AuditKinds.ChangeReleased);
        Assert.Equal(2, await _git.CountCommitsAsync(_remote, "main"));
    }

    [Fact]
    public async Task The_OpenAPI_document_shows_the_override_header_the_Scheduled_state_and_the_403_and_423_answers()
    {
        var document = await (await _operator.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var put = document["paths"]![Settings.Replace("local", "{cluster}", StringComparison.Ordinal)]!["put"]!;
        Assert.Contains(WindowOverride.Header, put["parameters"]!.AsArray().Where(p => (string?)p!["in"] == "header").Select(p => (string?)p!["name"]));
        Assert.NotNull(put["responses"]!["403"]);
        Assert.NotNull(put["responses"]!["423"]);
        Assert.Contains("Scheduled", document["components"]!["schemas"]!["RevisionState"]!["enum"]!.AsArray().Select(v => (string?)v));
        Assert.NotNull(document["components"]!["schemas"]!["RevisionResource"]!["properties"]!["scheduledFor"]);
    }

    private async Task SetPolicyAsync(string policy) =>
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsync(Policy, Json(policy))).StatusCode);

    private async Task<int> ReleaseDueAsync()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ScheduledReleases>().ReleaseDueAsync(CancellationToken.None);
    }

    private async Task<JsonNode> RevisionAsync(int number) => await (await _operator.GetAsync($"{Cluster}/revisions/{number}")).ReadJsonAsync();

    private Task<JsonNode> WaitForStateAsync(int number, string state) =>
        Eventually.WaitAsync(() => RevisionAsync(number)!, r => (string?)r?["state"] == state, TimeSpan.FromSeconds(45), $"revision {number} to be {state}");

    private async Task<List<JsonNode>> AuditAsync() =>
        (await (await _admin.GetAsync("/api/v1/audit?limit=200")).ReadJsonAsync())["items"]!.AsArray().Select(i => i!).Reverse().ToList();

    private async Task<List<string>> AuditKindsAsync() => (await AuditAsync()).Select(e => (string)e["kind"]!).ToList();

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);
}
