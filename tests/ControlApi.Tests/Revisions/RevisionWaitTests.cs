using System.Net;
using System.Net.Http.Headers;
using ControlApi.Security;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking;
using ControlApi.Tests.Tracking.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ControlApi.Tests.Revisions;

/// <summary><c>GET .../revisions/{n}?waitFor=&amp;timeout=</c>: a long poll on a revision's state, and its ETag.</summary>
public sealed class RevisionWaitTests
{
    // Only the in-process signal can wake a waiter in time when its timer re-reads this rarely.
    private static readonly Dictionary<string, string?> SignalOnly = new() { ["ControlApi:Waiting:RecheckInterval"] = "00:10:00" };

    [Fact]
    public async Task A_wait_for_Verified_answers_as_soon_as_the_simulated_cluster_verifies_the_revision()
    {
        await using var cluster = await TrackedCluster.StartAsync(SignalOnly);
        // Asked before the change exists would be a 404; ask right after it is accepted, while it is far from Verified.
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption)).StatusCode);

        var response = await cluster.Client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Verified&timeout=2m");
        var answered = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Wait-Timed-Out"));
        var revision = await response.ReadJsonAsync();
        Assert.Equal("Verified", (string?)revision["state"]);
        Assert.Equal("Verified", (string?)revision["wait"]!["requested"]);
        Assert.True((bool)revision["wait"]!["reached"]!);
        Assert.Equal("reached", (string?)revision["wait"]!["outcome"]);
        // Woken by the state change itself, not by a re-read ten minutes later.
        var verifiedAt = TrackedCluster.At(revision, "Verified");
        Assert.InRange(answered - verifiedAt, TimeSpan.Zero - TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task A_wait_for_Verified_ends_early_when_the_revision_fails_and_says_so()
    {
        await using var cluster = await TrackedCluster.StartAsync(SignalOnly);
        cluster.Simulator.FailNextUpgrade("admission webhook \"policy.example\" denied the request");
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);

        var response = await cluster.Client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Verified&timeout=5m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Wait-Timed-Out"));
        var revision = await response.ReadJsonAsync();
        Assert.Equal("ReconcileFailed", (string?)revision["state"]);
        Assert.False((bool)revision["wait"]!["reached"]!);
        Assert.Equal("failed", (string?)revision["wait"]!["outcome"]);
        Assert.Contains("denied the request", (string?)revision["stateReason"]);
    }

    [Fact]
    public async Task A_wait_that_times_out_answers_200_with_the_current_state_and_a_header()
    {
        // No Kubernetes: the revision stops at Committed, so Verified never comes.
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""))).StatusCode);
        await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s");

        var response = await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=verified&timeout=1s");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("X-Wait-Timed-Out")));
        var revision = await response.ReadJsonAsync();
        Assert.Equal("Committed", (string?)revision["state"]);
        Assert.Equal("timedOut", (string?)revision["wait"]!["outcome"]);
        Assert.False((bool)revision["wait"]!["reached"]!);
        Assert.InRange((double)revision["wait"]!["waitedSeconds"]!, 1, 30);
    }

    [Fact]
    public async Task A_wait_for_a_state_already_passed_answers_at_once_as_reached()
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""));
        var committed = await (await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s")).ReadJsonAsync();
        Assert.Equal("Committed", (string?)committed["state"]);

        var accepted = await (await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Accepted&timeout=10m")).ReadJsonAsync();

        Assert.Equal("reached", (string?)accepted["wait"]!["outcome"]);
        Assert.Equal("Committed", (string?)accepted["state"]);
    }

    [Theory]
    [InlineData("waitFor=Verified&timeout=11m", "invalid-timeout", "10m")]
    [InlineData("waitFor=Verified&timeout=1h", "invalid-timeout", "10m")]
    [InlineData("waitFor=Verified&timeout=soon", "invalid-timeout", "1m30s")]
    [InlineData("waitFor=Verified&timeout=0s", "invalid-timeout", "30s")]
    [InlineData("waitFor=Deployed&timeout=30s", "invalid-wait-state", "Accepted, Committed, Canary, CanaryVerified, Applied, RolledOut, Verified")]
    [InlineData("waitFor=ReconcileFailed", "invalid-wait-state", "Accepted, Committed, Canary, CanaryVerified, Applied, RolledOut, Verified")]
    [InlineData("timeout=30s", "invalid-wait", "waitFor")]
    public async Task A_bad_wait_is_a_400_that_says_what_is_valid(string query, string code, string mentioned)
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Viewer);
        await service.CreateClient(Role.Operator).PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""));

        var response = await client.GetAsync($"/api/v1/clusters/local/revisions/1?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal($"urn:controlapi:problem:{code}", (string?)problem["type"]);
        Assert.Contains(mentioned, (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_wait_on_a_revision_that_does_not_exist_is_a_404_at_once()
    {
        using var service = new ControlApiFactory();
        var response = await service.CreateClient(Role.Viewer).GetAsync("/api/v1/clusters/local/revisions/7?waitFor=Verified&timeout=10m");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_waiting_request_ends_with_the_current_state_when_the_service_stops()
    {
        // Kestrel lets in-flight requests finish when the host stops; the test server does not, so a
        // hosted service stopped first (registered last) holds the stop until the waiting request has its answer.
        var drained = new TaskCompletionSource();
        using var service = new ControlApiFactory(services: s => s.AddHostedService(_ => new DrainOnStop(drained.Task)));
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""));
        await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s");
        var waiting = client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Verified&timeout=10m");
        _ = waiting.ContinueWith(_ => drained.TrySetResult(), TaskScheduler.Default);
        Assert.False(waiting.IsCompleted);

        // What SIGTERM does first: ApplicationStopping, while in-flight requests may still finish.
        service.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var response = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("X-Wait-Timed-Out")));
        Assert.Equal("Committed", (string?)(await response.ReadJsonAsync())["state"]);
    }

    [Fact]
    public async Task A_revision_has_an_ETag_that_If_None_Match_answers_with_304_until_the_revision_moves_on()
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""));
        var first = await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s");
        var etag = first.Headers.ETag!;

        var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clusters/local/revisions/1");
        again.Headers.IfNoneMatch.Add(etag);
        var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        // An ETag of an earlier state of the same revision no longer matches: the body comes.
        var older = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clusters/local/revisions/1");
        older.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1.1\""));
        var changed = await client.SendAsync(older);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(new EntityTagHeaderValue("\"1.1\""), changed.Headers.ETag);
        Assert.Equal("Committed", (string?)(await changed.ReadJsonAsync())["state"]);
    }

    /// <summary>Holds the host's stop until <paramref name="drained"/> completes (at most 30 s), as Kestrel's graceful shutdown waits for requests.</summary>
    private sealed class DrainOnStop(Task drained) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => drained.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }
}
