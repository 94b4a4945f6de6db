using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Approvals;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Approvals;

/// <summary>The two-person rule through HTTP: held changes, approvals by other people, expiry, staleness, rejection.</summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    private const string Cluster = "/api/v1/clusters/local";
    private const string Settings = Cluster + "/cilium";
    private const string Policy = Cluster + "/policy";

    /// <summary>Enforcing the host firewall is a dangerous change (it can cut the nodes' own traffic).</summary>
    private const string Dangerous = """{"hostFirewall":{"enabled":true}}""";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private ControlApiFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _factory = new ControlApiFactory(services: s => s.AddSingleton<TimeProvider>(_time));
        _admin = _factory.CreateClient(Role.Admin);
        _alice = _factory.CreateClient(await _factory.CreateKeyAsync("alice", Role.Operator));
        _bob = _factory.CreateClient(await _factory.CreateKeyAsync("bob", Role.Operator));
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_dangerous_change_under_the_two_person_rule_stays_PendingApproval_with_no_commit()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");

        var response = await _alice.PutAsync(Settings, Json(Dangerous));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var change = await response.ReadJsonAsync();
        Assert.Equal("PendingApproval", (string?)change["revision"]!["state"]);
        Assert.Equal(1, (int)change["revision"]!["number"]!);
        Assert.Equal("dangerous", (string?)change["risk"]!["risk"]);
        var approval = change["revision"]!["approval"]!;
        Assert.Equal(1, (int)approval["required"]!);
        Assert.Equal("operator", (string?)approval["approvers"]);
        Assert.Equal("alice", (string?)approval["author"]);
        Assert.Contains("needs 1 approval", (string?)change["revision"]!["stateReason"]);

        // Not the cluster's settings, nothing to commit.
        var desired = await (await _alice.GetAsync(Settings)).ReadJsonAsync();
        Assert.Equal(0, (int)desired["revision"]!);
        Assert.False((bool)desired["settings"]!["hostFirewall"]!["enabled"]!);
        await using (var scope = _factory.Services.CreateAsyncScope())
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Outbox.CountAsync());
        Assert.Equal("PendingApproval", (string?)(await RevisionAsync(1))["state"]);
        var kinds = await AuditKindsAsync();
        Assert.Contains(AuditKinds.ApprovalRequested, kinds);
        Assert.DoesNotContain(AuditKinds.ChangeAccepted, kinds);
        Assert.DoesNotContain(AuditKinds.GitCommitted, kinds);
    }

    [Fact]
    public async Task The_authors_own_approval_is_refused_with_403_through_any_of_their_keys_and_whoever_they_claim_to_act_for()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);

        var own = await _alice.PostAsync(Cluster + "/revisions/1/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.EndsWith(ApprovalProblems.ByAuthor, (string?)(await own.ReadJsonAsync())["type"]);

        // Alice's second key names her as its person: still alice.
        var second = _factory.CreateClient(await CreateKeyAsync("alice-laptop", "operator", "alice"));
        Assert.Equal(HttpStatusCode.Forbidden, (await second.PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);
        // X-On-Behalf-Of is what the caller says, not who they are.
        var claimed = Request(HttpMethod.Post, Cluster + "/revisions/1/approve", null, ("X-On-Behalf-Of", "bob"));
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.SendAsync(claimed)).StatusCode);
        // A viewer may not approve at all.
        Assert.Equal(HttpStatusCode.Forbidden, (await _factory.CreateClient(Role.Viewer).PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);

        Assert.Equal("PendingApproval", (string?)(await RevisionAsync(1))["state"]);
        Assert.DoesNotContain(AuditKinds.ApprovalGranted, await AuditKindsAsync());
    }

    [Fact]
    public async Task Another_operators_approval_makes_it_the_settings_and_commits_it()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);

        var approved = await _bob.PostAsync(Cluster + "/revisions/1/approve", null);

        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var body = await approved.ReadJsonAsync();
        Assert.Contains("goes to the repository", (string?)body["message"]);
        Assert.Equal("bob", (string?)body["revision"]!["approval"]!["approvals"]![0]!["person"]);
        var committed = await Eventually.WaitAsync(() => RevisionAsync(1)!, r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(30), "revision 1 to be committed");
        Assert.NotNull((string?)committed["commitSha"]);
        Assert.Equal(1, (int)(await (await _alice.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
        var kinds = await AuditKindsAsync();
        Assert.True(kinds.IndexOf(AuditKinds.ApprovalRequested) < kinds.IndexOf(AuditKinds.ApprovalGranted));
        Assert.True(kinds.IndexOf(AuditKinds.ApprovalGranted) < kinds.IndexOf(AuditKinds.ChangeAccepted));

        // Decided: nothing more to approve.
        var again = await _admin.PostAsync(Cluster + "/revisions/1/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.EndsWith(ApprovalProblems.NotPending, (string?)(await again.ReadJsonAsync())["type"]);
    }

    [Fact]
    public async Task With_two_approvals_required_the_same_person_twice_counts_once()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":2,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);
        var bobsOtherKey = _factory.CreateClient(await CreateKeyAsync("bob-ci", "operator", "bob"));

        Assert.Equal(HttpStatusCode.OK, (await _bob.PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);
        var twice = await _bob.PostAsync(Cluster + "/revisions/1/approve", null);
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Contains("already approved by you", (string?)(await twice.ReadJsonAsync())["message"]);
        Assert.Contains("already approved by you", (string?)(await (await bobsOtherKey.PostAsync(Cluster + "/revisions/1/approve", null)).ReadJsonAsync())["message"]);

        var revision = await RevisionAsync(1);
        Assert.Equal("PendingApproval", (string?)revision["state"]);
        Assert.Single(revision["approval"]!["approvals"]!.AsArray());

        var carol = _factory.CreateClient(await _factory.CreateKeyAsync("carol", Role.Operator));
        Assert.Equal(HttpStatusCode.OK, (await carol.PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);
        Assert.Equal(["bob", "carol"], (await RevisionAsync(1))["approval"]!["approvals"]!.AsArray().Select(a => (string)a!["person"]!));
        Assert.NotEqual("PendingApproval", (string?)(await RevisionAsync(1))["state"]);
        Assert.Equal(2, (await AuditKindsAsync()).Count(k => k == AuditKinds.ApprovalGranted));
    }

    [Fact]
    public async Task A_request_nobody_approves_in_time_expires_on_the_next_attempt_and_by_the_sweep()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator","expiresAfter":"01:00:00"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("PendingApproval", (string?)(await RevisionAsync(1))["state"]);
        _time.Advance(TimeSpan.FromMinutes(1));

        var late = await _bob.PostAsync(Cluster + "/revisions/1/approve", null);

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var problem = await late.ReadJsonAsync();
        Assert.EndsWith(ApprovalProblems.Expired, (string?)problem["type"]);
        Assert.Contains("request the change again", (string?)problem["detail"]);
        Assert.Equal("Expired", (string?)(await RevisionAsync(1))["state"]);

        // Nobody asks about the next one: the periodic sweep ends it on the service clock.
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);
        Assert.Equal("PendingApproval", (string?)(await RevisionAsync(2))["state"]);
        _time.Advance(TimeSpan.FromMinutes(61));
        await Eventually.WaitAsync(() => RevisionAsync(2)!, r => (string?)r?["state"] == "Expired", TimeSpan.FromSeconds(30), "the sweep to expire revision 2");
        Assert.Equal(2, (await AuditKindsAsync()).Count(k => k == AuditKinds.ApprovalExpired));
        Assert.Equal(0, (int)(await (await _alice.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
    }

    [Fact]
    public async Task Approving_after_someone_else_changed_the_settings_is_refused_with_409_saying_why()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);
        // A change the policy does not hold builds on the current settings (revision 0), not on the request.
        var other = await _bob.PatchAsync(Settings, MergePatch("""{"l7Proxy":false}"""));
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.Equal(2, (int)(await other.ReadJsonAsync())["revision"]!["number"]!);
        Assert.False((bool)(await RevisionAsync(2))["settings"]!["hostFirewall"]!["enabled"]!);

        var stale = await _bob.PostAsync(Cluster + "/revisions/1/approve", null);

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = await stale.ReadJsonAsync();
        Assert.EndsWith(ApprovalProblems.Stale, (string?)problem["type"]);
        Assert.Equal("Revision 1 was requested on revision 0; the settings are now at revision 2 — request the change again.", (string?)problem["detail"]);
        Assert.Equal("PendingApproval", (string?)(await RevisionAsync(1))["state"]);
        Assert.DoesNotContain(AuditKinds.ApprovalGranted, await AuditKindsAsync());
    }

    [Fact]
    public async Task A_rejection_needs_a_reason_and_ends_the_request_and_the_author_may_withdraw_their_own()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await _bob.PostAsync(Cluster + "/revisions/1/reject", Json("{}"))).StatusCode);
        var rejected = await _bob.PostAsync(Cluster + "/revisions/1/reject", Json("""{"reason":"no host policy for the API server yet"}"""));

        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        var revision = await RevisionAsync(1);
        Assert.Equal("Rejected", (string?)revision["state"]);
        Assert.Contains("no host policy for the API server yet", (string?)revision["stateReason"]);
        Assert.Equal("bob", (string?)revision["approval"]!["rejection"]!["person"]);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _alice.PostAsync(Cluster + "/revisions/2/reject", Json("""{"reason":"wrong cluster"}"""))).StatusCode);
        Assert.Contains("Withdrawn by its author alice", (string?)(await RevisionAsync(2))["stateReason"]);
        Assert.Equal(2, (await AuditKindsAsync()).Count(k => k == AuditKinds.ApprovalRejected));
        Assert.Equal(0, (int)(await (await _alice.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
    }

    [Fact]
    public async Task A_rejected_request_cannot_be_rolled_back_to_and_the_refusal_says_how_to_send_its_settings()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _bob.PostAsync(Cluster + "/revisions/1/reject", Json("""{"reason":"not this week"}"""))).StatusCode);
        var kinds = await AuditKindsAsync();

        var rollback = await _alice.PostAsync(Cluster + "/revisions/1/rollback", null);

        Assert.Equal(HttpStatusCode.Conflict, rollback.StatusCode);
        var problem = await rollback.ReadJsonAsync();
        Assert.EndsWith("rollback-target-never-in-effect", (string?)problem["type"]);
        Assert.Equal("Rejected", (string?)problem["state"]);
        Assert.Contains("never was the cluster's settings", (string?)problem["detail"]);
        Assert.Contains($"PUT {Cluster}/cilium", (string?)problem["detail"]);
        // Nothing stored: no revision 2, the settings still at revision 0, no new audit event.
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync(Cluster + "/revisions/2")).StatusCode);
        Assert.Equal(0, (int)(await (await _alice.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
        Assert.Equal(kinds, await AuditKindsAsync());
    }

    [Fact]
    public async Task Where_the_policy_asks_for_approvers_an_operator_may_not_approve_and_an_approver_may()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);

        var operatorTries = await _bob.PostAsync(Cluster + "/revisions/1/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, operatorTries.StatusCode);
        var problem = await operatorTries.ReadJsonAsync();
        Assert.EndsWith(ApprovalProblems.Role, (string?)problem["type"]);
        Assert.Contains("approver", (string?)problem["detail"]);

        var dana = _factory.CreateClient(await CreateKeyAsync("dana", "approver", null));
        Assert.Equal(HttpStatusCode.OK, (await dana.PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);
        Assert.NotEqual("PendingApproval", (string?)(await RevisionAsync(1))["state"]);
        // An approver is an operator too: their own changes go through the same door.
        Assert.Equal(HttpStatusCode.Accepted, (await dana.PatchAsync(Settings, MergePatch("""{"l7Proxy":false}"""))).StatusCode);
    }

    [Fact]
    public async Task Approval_decisions_are_counted_in_metrics_and_pending_approvals_are_a_revision_state_series()
    {
        await SetPolicyAsync("""{"approvals":{"dangerous":1,"approvers":"operator"}}""");
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json(Dangerous))).StatusCode);

        var scraper = _factory.CreateClient();
        var pending = await scraper.GetStringAsync("/metrics");
        Assert.Matches("""controlapi_revisions\{[^}]*cluster="local"[^}]*state="PendingApproval"[^}]*\} 1\b""", pending);
        Assert.Matches("""controlapi_approval_decisions_total\{[^}]*cluster="local"[^}]*decision="requested"[^}]*\} 1\b""", pending);

        Assert.Equal(HttpStatusCode.OK, (await _bob.PostAsync(Cluster + "/revisions/1/approve", null)).StatusCode);
        // The exporter may answer a scrape from its short cache: wait for the next exposition.
        var decided = await Eventually.WaitAsync(() => scraper.GetStringAsync("/metrics")!,
            text => text is not null && text.Contains("decision=\"approved\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the approval in /metrics");
        Assert.Matches("""controlapi_approval_decisions_total\{[^}]*cluster="local"[^}]*decision="approved"[^}]*\} 1\b""", decided);
        Assert.Matches("""controlapi_revisions\{[^}]*cluster="local"[^}]*state="PendingApproval"[^}]*\} 0\b""", decided);
    }

    private async Task SetPolicyAsync(string json) =>
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsync(Policy, Json(json))).StatusCode);

    private async Task<string> CreateKeyAsync(string name, string role, string? person)
    {
        var body = new JsonObject { ["name"] = name, ["role"] = role, ["person"] = person };
        var created = await _admin.PostAsync("/api/v1/apikeys", Json(body.ToJsonString()));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.ReadJsonAsync();
        Assert.Equal(person ?? name, (string?)key["person"]);
        return (string)key["key"]!;
    }

    private async Task<JsonNode> RevisionAsync(int number) =>
        await (await _alice.GetAsync($"{Cluster}/revisions/{number}")).ReadJsonAsync();

    private async Task<List<string>> AuditKindsAsync() =>
        (await (await _admin.GetAsync("/api/v1/audit?limit=200")).ReadJsonAsync())["items"]!.AsArray().Select(i => (string)i!["kind"]!).Reverse().ToList();
}
