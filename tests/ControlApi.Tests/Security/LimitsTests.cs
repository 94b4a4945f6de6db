using System.Net;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Security.SecurityTestKit;

namespace ControlApi.Tests.Security;

public sealed class LimitsTests : IDisposable
{
    private const string Clusters = "/api/v1/clusters";
    private const string Attacker = "127.0.0.66";
    private const string Colleague = "127.0.0.77";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Guessing_a_key_locks_that_key_out_from_the_address_with_429_even_when_correct_while_others_go_on()
    {
        using var service = new ControlApiFactory(new() { ["ControlApi:Security:FailedAuthentication:PerAddress"] = "5" });
        using var client = service.CreateClient();
        var operatorKey = service.KeyFor(Role.Operator);

        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            guesses.Add((await client.SendAsync(Get(Clusters, Bearer(WrongSecretFor(operatorKey)), Attacker))).StatusCode);
        var locked = await client.SendAsync(Get(Clusters, Bearer(WrongSecretFor(operatorKey)), Attacker));
        var correctButLocked = await client.SendAsync(Get(Clusters, Bearer(operatorKey), Attacker));
        var colleague = await client.SendAsync(Get(Clusters, Bearer(operatorKey), Colleague));

        Assert.All(guesses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("urn:controlapi:problem:too-many-failures", (string)(await locked.ReadJsonAsync())["type"]!);
        Assert.Equal(HttpStatusCode.TooManyRequests, correctButLocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, colleague.StatusCode);
    }

    [Fact]
    public async Task Guessing_the_bootstrap_admin_key_is_throttled_with_429_and_Retry_After()
    {
        using var service = new ControlApiFactory(new() { ["ControlApi:Security:FailedAuthentication:PerAddress"] = "5" });
        using var client = service.CreateClient();

        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get(Clusters, Bearer($"admin-guess-{i}"), Attacker))).StatusCode);
        var correctButLocked = await client.SendAsync(Get(Clusters, Bearer(service.AdminKey!), Attacker));

        Assert.Equal(HttpStatusCode.TooManyRequests, correctButLocked.StatusCode);
        Assert.True(correctButLocked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Get(Clusters, Bearer(service.AdminKey!), Colleague))).StatusCode);
    }

    [Fact]
    public async Task Ten_bad_keys_from_an_address_do_not_lock_out_valid_keys_from_the_same_address()
    {
        // Behind an ingress every client shares one address: someone's stale keys must not lock out the admin.
        using var service = new ControlApiFactory();
        using var client = service.CreateClient();
        var operatorKey = service.KeyFor(Role.Operator);

        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get(Clusters, Bearer(ApiKeyTokens.Issue().Text), Attacker))).StatusCode);
        var admin = await client.SendAsync(Get(Clusters, Bearer(service.AdminKey!), Attacker));
        var stored = await client.SendAsync(Get(Clusters, Bearer(operatorKey), Attacker));

        for (var i = 0; i < 10; i++)
            await client.SendAsync(Get(Clusters, Bearer($"mistyped-admin-key-{i}"), Attacker));
        var storedAfterAdminGuesses = await client.SendAsync(Get(Clusters, Bearer(operatorKey), Attacker));

        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(HttpStatusCode.OK, storedAfterAdminGuesses.StatusCode);
    }

    /// <summary>The same public id with another secret: a guess at that key.</summary>
    private static string WrongSecretFor(string key)
    {
        var parts = key.Split('_', 3);
        return $"{parts[0]}_{parts[1]}_{ApiKeyTokens.Issue().Text.Split('_', 3)[2]}";
    }

    [Fact]
    public async Task Each_key_has_its_own_request_budget_answered_with_429_and_Retry_After()
    {
        using var service = new ControlApiFactory(new()
        {
            ["ControlApi:Security:RateLimits:PerKey"] = "3",
            // Long enough that no window ends during the test.
            ["ControlApi:Security:RateLimits:Window"] = "01:00:00",
        });
        using var viewer = service.CreateClient(Role.Viewer);
        using var admin = service.CreateClient(Role.Admin);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) statuses.Add((await viewer.GetAsync(Clusters)).StatusCode);
        var limited = await viewer.GetAsync(Clusters);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var problem = await limited.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:rate-limited", (string)problem["type"]!);
        Assert.Contains(service.KeyNameFor(Role.Viewer), (string)problem["detail"]!);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Clusters)).StatusCode);
    }

    [Fact]
    public async Task Each_address_has_its_own_request_budget_with_or_without_a_key()
    {
        using var service = new ControlApiFactory(new()
        {
            ["ControlApi:Security:RateLimits:PerAddress"] = "3",
            ["ControlApi:Security:RateLimits:Window"] = "01:00:00",
        });
        using var client = service.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) statuses.Add((await client.SendAsync(Get("/healthz", from: Attacker))).StatusCode);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Get("/healthz", from: Colleague))).StatusCode);
    }

    [Fact]
    public async Task Every_denial_is_audited_with_route_method_key_and_address_up_to_a_cap_then_summed_up_once()
    {
        var data = _temp.Combine("data");
        Directory.CreateDirectory(data);
        string viewerKeyId;
        using (var service = new ControlApiFactory(new()
        {
            ["ControlApi:Security:DeniedAudit:PerAddress"] = "3",
            ["ControlApi:Security:DeniedAudit:Window"] = "01:00:00",
        }, data))
        {
            using var client = service.CreateClient();
            viewerKeyId = service.KeyFor(Role.Viewer).Split('_')[1];
            var forbidden = await client.SendAsync(With(new HttpRequestMessage(HttpMethod.Put, "/api/v1/clusters/local/cilium")
            {
                Content = HttpJson.Json("{}"),
            }, Bearer(service.KeyFor(Role.Viewer)), Attacker));
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            for (var i = 0; i < 9; i++)
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get(Clusters, from: Attacker))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get(Clusters, from: Colleague))).StatusCode);

            var denied = await service.AuditEventsAsync(AuditKinds.AuthDenied);

            Assert.Equal(4, denied.Count);
            var first = denied[0].Details();
            Assert.Equal(403, (int)first["status"]!);
            Assert.Equal("insufficient-role", (string)first["reason"]!);
            Assert.Equal("PUT", (string)first["method"]!);
            Assert.Equal("/api/v1/clusters/{cluster}/cilium", (string)first["route"]!);
            Assert.Equal(Attacker, (string)first["remoteAddress"]!);
            Assert.Equal(viewerKeyId, (string)first["keyId"]!);
            Assert.Equal(service.KeyNameFor(Role.Viewer), denied[0].Actor);
            Assert.Equal(3, denied.Count(e => (string?)e.Details()["remoteAddress"] == Attacker));
            Assert.Equal("missing-key", (string)denied[1].Details()["reason"]!);
            Assert.Equal(Colleague, (string)denied[3].Details()["remoteAddress"]!);
            Assert.Empty(await service.AuditEventsAsync(AuditKinds.AuthDeniedSuppressed));
        }

        // Stopping closes the window: what was left out is written once, as a count.
        var summary = Assert.Single(await AuditEventsInAsync(data, AuditKinds.AuthDeniedSuppressed));
        Assert.Equal(7, (int)summary.Details()["suppressed"]!);
        Assert.Equal(7, (int)summary.Details()["addresses"]![Attacker]!);
    }

    [Fact]
    public async Task When_a_window_closes_the_suppressed_denials_are_summed_up_without_waiting_for_the_next_one()
    {
        using var service = new ControlApiFactory(new()
        {
            ["ControlApi:Security:DeniedAudit:PerAddress"] = "1",
            ["ControlApi:Security:DeniedAudit:Window"] = "00:00:00.500",
        });
        using var client = service.CreateClient();

        for (var i = 0; i < 6; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get(Clusters, from: Attacker))).StatusCode);

        // However the six fell into windows, each one is either an event or counted in a summary.
        var (summaries, denied) = await Eventually.WaitAsync(
            async () => (await service.AuditEventsAsync(AuditKinds.AuthDeniedSuppressed), (await service.AuditEventsAsync(AuditKinds.AuthDenied)).Count),
            r => r.Item1.Count > 0 && r.Item1.Sum(e => (int)e.Details()["suppressed"]!) + r.Item2 == 6,
            TimeSpan.FromSeconds(20), "the suppressed denials to be summed up");
        Assert.InRange(denied, 1, 5);
        Assert.All(summaries, s => Assert.Equal("system", s.Actor));
    }
}
