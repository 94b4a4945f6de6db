using System.Net;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Governance;

/// <summary>The cluster policy resource: versioned, audited, admin-only to change, its windows evaluated on the service's clock.</summary>
public sealed class PolicyApiTests : IAsyncLifetime
{
    private const string Policy = "/api/v1/clusters/local/policy";
    private const string Seed = """
        {"approvals": {"dangerous": 1, "disruptive": 0, "expiresAfter": "1.00:00:00"},
         "windows": [{"kind": "allow", "schedule": "0 22 * * *", "duration": "02:00:00", "timeZone": "Europe/Berlin"}],
         "outsideWindow": "schedule"}
        """;

    // 12:00 in Berlin (UTC+1 in December): the nightly window opens at 21:00 UTC.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private ControlApiFactory _factory = null!;
    private HttpClient _admin = null!;

    public Task InitializeAsync()
    {
        _factory = new ControlApiFactory(services: s => s.AddSingleton<TimeProvider>(_time));
        _admin = _factory.CreateClient(Role.Admin);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task The_default_policy_asks_nothing_and_a_put_makes_version_1_with_the_windows_evaluated()
    {
        var initial = await _admin.GetAsync(Policy);
        Assert.Equal("\"0\"", initial.Headers.ETag?.Tag);
        var body = await initial.ReadJsonAsync();
        Assert.Equal(0, (int)body["version"]!);
        Assert.True((bool)body["window"]!["open"]!);

        var put = await _admin.SendAsync(Request(HttpMethod.Put, Policy, Json(Seed), ("If-Match", "\"0\""), ("X-Change-Reason", "two-person rule for dangerous changes")));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var stored = await put.ReadJsonAsync();
        Assert.Equal(1, (int)stored["version"]!);
        Assert.Equal(1, (int)stored["policy"]!["approvals"]!["dangerous"]!);
        Assert.False((bool)stored["window"]!["open"]!);
        Assert.Equal(DateTimeOffset.Parse("2026-12-07T21:00:00Z", System.Globalization.CultureInfo.InvariantCulture), (DateTimeOffset)stored["window"]!["nextOpen"]!);

        // The cluster shows the windows and when the next opens; the service's clock moves them.
        _time.Advance(TimeSpan.FromHours(10.5));
        var cluster = await (await _admin.GetAsync("/api/v1/clusters/local")).ReadJsonAsync();
        Assert.True((bool)cluster["policy"]!["window"]!["open"]!);
        Assert.Equal(DateTimeOffset.Parse("2026-12-07T23:00:00Z", System.Globalization.CultureInfo.InvariantCulture), (DateTimeOffset)cluster["policy"]!["window"]!["closesAt"]!);

        // A stale edit is refused; the same policy again is no new version.
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _admin.SendAsync(Request(HttpMethod.Put, Policy, Json("{}"), ("If-Match", "\"0\"")))).StatusCode);
        Assert.Equal(1, (int)(await (await _admin.PutAsync(Policy, Json(Seed))).ReadJsonAsync())["version"]!);

        var audit = (await (await _admin.GetAsync("/api/v1/audit?kind=policy.")).ReadJsonAsync())["items"]!.AsArray();
        var changed = Assert.Single(audit)!;
        Assert.Equal(AuditKinds.PolicyChanged, (string?)changed["kind"]);
        Assert.Contains("two-person rule for dangerous changes", (string?)changed["summary"]);
    }

    [Fact]
    public async Task A_policy_that_cannot_work_is_refused_with_a_pointer_and_nothing_is_stored()
    {
        var response = await _admin.PutAsync(Policy, Json("""{"windows":[{"kind":"allow","schedule":"0 22 * *","duration":"02:00:00","timeZone":"Europe/Berlin"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("/windows/0", (string?)problem["pointer"]);
        Assert.Contains("cron", (string?)problem["detail"]);
        Assert.Equal(0, (int)(await (await _admin.GetAsync(Policy)).ReadJsonAsync())["version"]!);
        Assert.Equal(HttpStatusCode.Forbidden, (await _factory.CreateClient(Role.Operator).PutAsync(Policy, Json(Seed))).StatusCode);
    }
}
