using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Holds;

/// <summary>The emergency brake and Atlantis-style locks, through HTTP.</summary>
public sealed class FreezeAndLockTests : IAsyncLifetime
{
    private const string Cluster = "/api/v1/clusters/local";
    private const string Settings = Cluster + "/cilium";
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
    public async Task A_frozen_cluster_refuses_every_change_with_423_until_an_admin_unfreezes_it()
    {
        var frozen = await _admin.PostAsync(Cluster + "/freeze", Json("""{"reason":"etcd restore in progress"}"""));
        Assert.Equal(HttpStatusCode.OK, frozen.StatusCode);

        var refused = await _alice.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal(HttpStatusCode.Locked, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.EndsWith("cluster-frozen", (string?)problem["type"]);
        Assert.Contains("etcd restore in progress", (string?)problem["detail"]);
        Assert.Contains("/unfreeze", (string?)problem["detail"]);
        // Nothing was stored, and the admin's own changes wait too.
        Assert.Equal(0, (int)(await (await _admin.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
        Assert.Equal(HttpStatusCode.Locked, (await _admin.PutAsync(Cluster + "/features/hubble", Json("""{"enabled":false}"""))).StatusCode);
        var cluster = await (await _alice.GetAsync(Cluster)).ReadJsonAsync();
        Assert.Equal("etcd restore in progress", (string?)cluster["holds"]!["freeze"]!["reason"]);

        // Operators cannot lift it.
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.PostAsync(Cluster + "/unfreeze", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(Cluster + "/unfreeze", Json("""{"reason":"restore done"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync(Cluster + "/unfreeze", null)).StatusCode);

        var kinds = await AuditKindsAsync();
        Assert.Equal([AuditKinds.ClusterFrozen, AuditKinds.ChangeBlocked, AuditKinds.ChangeBlocked, AuditKinds.ClusterUnfrozen, AuditKinds.ChangeAccepted],
            kinds.Where(k => k.StartsWith("cluster.", StringComparison.Ordinal) || k.StartsWith("change.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_freeze_needs_a_reason()
    {
        var response = await _admin.PostAsync(Cluster + "/freeze", Json("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reason", (string?)(await response.ReadJsonAsync())["detail"]);
        Assert.Null((await (await _admin.GetAsync(Cluster + "/holds")).ReadJsonAsync())["freeze"]);
    }

    [Fact]
    public async Task A_lock_held_by_alice_refuses_bobs_change_naming_alice_and_lets_hers_through()
    {
        var locked = await _alice.PostAsync(Cluster + "/lock", Json("""{"reason":"node upgrades","expiresIn":"02:00:00"}"""));
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Equal("alice", (string?)(await locked.ReadJsonAsync())["holder"]);

        var bobs = await _bob.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        Assert.Equal(HttpStatusCode.Locked, bobs.StatusCode);
        var problem = await bobs.ReadJsonAsync();
        Assert.Contains("locked by alice", (string?)problem["detail"]);
        Assert.Contains("node upgrades", (string?)problem["detail"]);
        Assert.Equal("alice", (string?)problem["holder"]);
        // Bob can neither take the lock nor lift it.
        Assert.Equal(HttpStatusCode.Locked, (await _bob.PostAsync(Cluster + "/lock", Json("""{"reason":"mine now"}"""))).StatusCode);
        var unlock = await _bob.PostAsync(Cluster + "/unlock", null);
        Assert.Equal(HttpStatusCode.Locked, unlock.StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await _alice.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _alice.PostAsync(Cluster + "/unlock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _bob.PutAsync(Settings, Json("""{"l7Proxy":false}"""))).StatusCode);
    }

    [Fact]
    public async Task A_lock_never_outlives_its_expiry()
    {
        Assert.Equal(HttpStatusCode.OK, (await _alice.PostAsync(Cluster + "/lock", Json("""{"reason":"node upgrades","expiresIn":"01:00:00"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Locked, (await _bob.PutAsync(Settings, Json("""{"l7Proxy":false}"""))).StatusCode);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Null((await (await _bob.GetAsync(Cluster + "/holds")).ReadJsonAsync())["lock"]);
        Assert.Equal(HttpStatusCode.Accepted, (await _bob.PutAsync(Settings, Json("""{"l7Proxy":false}"""))).StatusCode);
        // The expired lock is replaced by the next one.
        Assert.Equal(HttpStatusCode.OK, (await _bob.PostAsync(Cluster + "/lock", Json("""{"reason":"my turn"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _alice.PostAsync(Cluster + "/lock", Json("""{"reason":"x","expiresAt":"2020-01-01T00:00:00Z"}"""))).StatusCode);
    }

    [Fact]
    public async Task An_admin_may_lift_anyones_lock_and_a_bot_locks_on_behalf_of_a_person()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Cluster + "/lock") { Content = Json("""{"reason":"carol's maintenance"}""") };
        request.Headers.Add("X-On-Behalf-Of", "carol");
        Assert.Equal(HttpStatusCode.OK, (await _bob.SendAsync(request)).StatusCode);
        // Bob's own changes are not carol's.
        Assert.Equal(HttpStatusCode.Locked, (await _bob.PutAsync(Settings, Json("""{"l7Proxy":false}"""))).StatusCode);
        using var asCarol = new HttpRequestMessage(HttpMethod.Put, Settings) { Content = Json("""{"l7Proxy":false}""") };
        asCarol.Headers.Add("X-On-Behalf-Of", "carol");
        Assert.Equal(HttpStatusCode.Accepted, (await _bob.SendAsync(asCarol)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(Cluster + "/unlock", Json("""{"reason":"carol left for the day"}"""))).StatusCode);
        var unlocked = (await AuditAsync()).Last(e => (string?)e["kind"] == AuditKinds.ClusterUnlocked);
        Assert.Contains("held by carol", (string?)unlocked["summary"]);
    }

    private async Task<List<JsonNode>> AuditAsync() =>
        (await (await _admin.GetAsync("/api/v1/audit?limit=200")).ReadJsonAsync())["items"]!.AsArray().Select(i => i!).Reverse().ToList();

    private async Task<List<string>> AuditKindsAsync() => (await AuditAsync()).Select(e => (string)e["kind"]!).ToList();
}
