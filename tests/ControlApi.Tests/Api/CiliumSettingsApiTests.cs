using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Api;

public sealed class CiliumSettingsApiTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public CiliumSettingsApiTests() => _client = _factory.CreateClient(Role.Operator);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task A_new_cluster_is_at_revision_zero_holding_the_defaults()
    {
        var response = await _client.GetAsync(Settings);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"0\"", response.Headers.ETag?.Tag);
        var body = await response.ReadJsonAsync();
        Assert.Equal(0, (int)body["revision"]!);
        Assert.Equal("wireguard", (string)body["settings"]!["encryption"]!["type"]!);
        Assert.False((bool)body["settings"]!["encryption"]!["enabled"]!);
        Assert.Equal("kubernetes", (string)body["settings"]!["ipam"]!["mode"]!);
    }

    [Fact]
    public async Task The_seed_example_round_trips_as_revision_one()
    {
        var put = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json(SeedSettings.Json), ("X-Change-Reason", "seed cluster final state")));

        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        Assert.Equal("/api/v1/clusters/local/revisions/1", put.Headers.Location?.OriginalString);
        var change = await put.ReadJsonAsync();
        Assert.False((bool)change["noChange"]!);
        Assert.Equal(1, (int)change["revision"]!["number"]!);
        Assert.Equal("Accepted", (string)change["revision"]!["state"]!);
        Assert.Equal("seed cluster final state", (string)change["revision"]!["reason"]!);

        var get = await _client.GetAsync(Settings);
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        var stored = (await get.ReadJsonAsync())["settings"]!;
        var sent = JsonNode.Parse(SeedSettings.Json)!;
        sent["encryption"]!["ipsecKeySecret"] = null;
        sent["bandwidthManager"]!["bbrHostNamespaceOnly"] = false;
        sent["hostFirewall"]!["mode"] = null;
        sent["talos"] = new JsonObject { ["forwardKubeDnsToHost"] = null };
        sent["extraValues"] = new JsonObject();
        Assert.True(JsonNode.DeepEquals(sent, stored), $"stored {stored.Compact()}");
    }

    [Fact]
    public async Task Putting_the_current_settings_again_answers_no_change_and_makes_no_revision()
    {
        await _client.PutAsync(Settings, Json(SeedSettings.Json));

        var again = await _client.PutAsync(Settings, Json(SeedSettings.Json));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await again.ReadJsonAsync();
        Assert.True((bool)body["noChange"]!);
        Assert.Equal(1, (int)body["revision"]!["number"]!);
        Assert.Equal(1, await RevisionCountAsync());
    }

    [Fact]
    public async Task A_stale_If_Match_is_refused_with_412_naming_the_current_revision()
    {
        await _client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));

        var stale = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"l7Proxy":false}"""), ("If-Match", "\"0\"")));

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        var problem = await stale.ReadJsonAsync();
        Assert.Equal(1, (int)problem["currentRevision"]!);
        Assert.Contains("revision 1", (string)problem["detail"]!);
        Assert.Equal(1, await RevisionCountAsync());
    }

    [Fact]
    public async Task A_matching_If_Match_lets_the_change_through()
    {
        var response = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"l7Proxy":false}"""), ("If-Match", "\"0\"")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Fifty_concurrent_puts_with_one_If_Match_make_exactly_one_revision()
    {
        var attempts = Enumerable.Range(0, 50).Select(i => _client.SendAsync(Request(HttpMethod.Put, Settings,
            Json("{\"bgp\":{\"enabled\":false,\"localAsn\":" + (64512 + i) + "}}"), ("If-Match", "\"0\""))));

        var responses = await Task.WhenAll(attempts);

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed));
        Assert.Equal([1], await RevisionNumbersAsync());
    }

    [Fact]
    public async Task Concurrent_puts_without_If_Match_get_gap_free_numbers()
    {
        var attempts = Enumerable.Range(0, 20).Select(i => _client.PutAsync(Settings,
            Json("{\"bgp\":{\"enabled\":false,\"localAsn\":" + (64512 + i) + "}}")));

        var responses = await Task.WhenAll(attempts);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(Enumerable.Range(1, 20), await RevisionNumbersAsync());
    }

    [Fact]
    public async Task The_same_Idempotency_Key_and_body_replays_the_first_answer()
    {
        var first = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-1")));
        var second = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-1")));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal("\"1\"", second.Headers.ETag?.Tag);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        Assert.True(JsonNode.DeepEquals(await first.ReadJsonAsync(), await second.ReadJsonAsync()));
        Assert.Equal(1, await RevisionCountAsync());
    }

    [Fact]
    public async Task A_replayed_change_answers_as_it_was_then_not_as_the_revision_is_now()
    {
        var first = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-then")));
        // The same settings again under another key: nothing to change, revision 1 stays current.
        var unchanged = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-same")));
        await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"l7Proxy":false}""")));

        var replayedFirst = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-then")));
        var replayedUnchanged = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-same")));

        Assert.Equal(HttpStatusCode.Accepted, replayedFirst.StatusCode);
        Assert.Equal("\"1\"", replayedFirst.Headers.ETag?.Tag);
        Assert.Equal("/api/v1/clusters/local/revisions/1", replayedFirst.Headers.Location?.OriginalString);
        Assert.True(JsonNode.DeepEquals(await first.ReadJsonAsync(), await replayedFirst.ReadJsonAsync()));

        Assert.Equal(HttpStatusCode.OK, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replayedUnchanged.StatusCode);
        Assert.Null(replayedUnchanged.Headers.Location);
        Assert.Equal("\"1\"", replayedUnchanged.Headers.ETag?.Tag);
        Assert.True(JsonNode.DeepEquals(await unchanged.ReadJsonAsync(), await replayedUnchanged.ReadJsonAsync()));
        Assert.Equal(2, await RevisionCountAsync());
    }

    [Fact]
    public async Task The_same_Idempotency_Key_with_another_body_is_refused()
    {
        await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("Idempotency-Key", "k-2")));

        var other = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"l7Proxy":false}"""), ("Idempotency-Key", "k-2")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("urn:controlapi:problem:idempotency-key-reused", (string)(await other.ReadJsonAsync())["type"]!);
        Assert.Equal(1, await RevisionCountAsync());
    }

    [Theory]
    [InlineData("{\"encryption\": {\"enabled\": tru", "")]
    [InlineData("{\"encryption\": {\"enabled\": true, \"colour\": \"blue\"}}", "/encryption/colour")]
    [InlineData("{\"l7Proxy\": \"yes\"}", "/l7Proxy")]
    [InlineData("{\"routing\": {\"mode\": \"carrier-pigeon\"}}", "/routing/mode")]
    [InlineData("{\"hubble\": null}", "/hubble")]
    [InlineData("[1,2,3]", "")]
    public async Task Malformed_settings_get_400_naming_the_member_and_change_nothing(string body, string pointer)
    {
        var response = await _client.PutAsync(Settings, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:malformed-settings", (string)problem["type"]!);
        if (pointer.Length > 0)
        {
            Assert.Equal(pointer, (string)problem["pointer"]!);
            Assert.Contains(pointer, (string)problem["detail"]!);
        }
        Assert.Equal(0, await RevisionCountAsync());
    }

    [Fact]
    public async Task A_body_over_64_KiB_gets_413()
    {
        var huge = "{\"chartVersion\": \"" + new string('1', 70 * 1024) + "\"}";

        var response = await _client.PutAsync(Settings, Json(huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("urn:controlapi:problem:payload-too-large", (string)(await response.ReadJsonAsync())["type"]!);
    }

    [Fact]
    public async Task Settings_sent_as_text_get_415()
    {
        var response = await _client.PutAsync(Settings, Json("{}", "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Rule_violations_get_422_listing_every_error_and_leave_an_audit_trace()
    {
        var response = await _client.PutAsync(Settings, Json("""
            {"bandwidthManager":{"enabled":false,"bbr":true},"encryption":{"enabled":false,"nodeEncryption":true}}
            """));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:validation-failed", (string)problem["type"]!);
        var pointers = problem["errors"]!.AsArray().Select(e => (string)e!["pointer"]!).ToList();
        Assert.Contains("/bandwidthManager/bbr", pointers);
        Assert.Contains("/encryption/nodeEncryption", pointers);
        var codes = problem["errors"]!.AsArray().Select(e => (string)e!["code"]!).ToList();
        Assert.Contains("bbr-needs-bandwidth-manager", codes);
        Assert.Contains("node-encryption-needs-encryption", codes);
        Assert.Equal(0, await RevisionCountAsync());

        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var rejected = await db.AuditEvents.SingleAsync(e => e.Kind == "change.rejected");
        Assert.Equal("local", rejected.ClusterId);
        Assert.Null(rejected.Revision);
    }

    [Fact]
    public async Task A_merge_patch_changes_only_what_it_names_and_null_resets_to_the_default()
    {
        await _client.PutAsync(Settings, Json(SeedSettings.Json));

        var patch = await _client.PatchAsync(Settings, MergePatch("""{"hostFirewall":{"enabled":false},"hubble":{"ui":{"hostname":null,"serviceType":null}}}"""));

        Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        var settings = (await (await _client.GetAsync(Settings)).ReadJsonAsync())["settings"]!;
        Assert.False((bool)settings["hostFirewall"]!["enabled"]!);
        Assert.Null(settings["hubble"]!["ui"]!["hostname"]);
        Assert.Equal("ClusterIP", (string)settings["hubble"]!["ui"]!["serviceType"]!);
        Assert.True((bool)settings["encryption"]!["enabled"]!);
        Assert.True((bool)settings["bandwidthManager"]!["bbr"]!);
    }

    [Fact]
    public async Task A_merge_patch_needs_its_media_type_and_an_object()
    {
        var wrongType = await _client.PatchAsync(Settings, Json("""{"l7Proxy":false}"""));
        var notObject = await _client.PatchAsync(Settings, MergePatch("[]"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
    }

    [Fact]
    public async Task Change_headers_are_stored_and_control_characters_refused()
    {
        var ok = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"l7Proxy":false}"""),
            ("X-Change-Reason", "quieter proxy"), ("X-On-Behalf-Of", "alice")));
        var revision = (await ok.ReadJsonAsync())["revision"]!;
        Assert.Equal("alice", (string)revision["onBehalfOf"]!);
        Assert.Equal("quieter proxy", (string)revision["reason"]!);

        var tooLong = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"l7Proxy":true}"""),
            ("X-Change-Reason", new string('x', 600))));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("X-Change-Reason", (string)(await tooLong.ReadJsonAsync())["detail"]!);
        Assert.Equal(1, await RevisionCountAsync());
    }

    [Fact]
    public async Task Plan_and_change_answers_and_the_audit_say_how_risky_a_change_is()
    {
        var plan = await (await _client.PostAsync(Settings + "/plan", MergePatch("""{"kubeProxyReplacement":false}"""))).ReadJsonAsync();
        Assert.Equal("dangerous", (string?)plan["risk"]!["risk"]);
        Assert.Equal("kubeProxyReplacement", (string?)plan["risk"]!["reasons"]![0]!["subject"]);

        var change = await (await _client.PatchAsync(Settings, MergePatch("""{"bandwidthManager":{"enabled":true}}"""))).ReadJsonAsync();
        Assert.Equal("disruptive", (string?)change["risk"]!["risk"]);
        Assert.Contains("enable-bandwidth-manager", (string?)change["risk"]!["reasons"]![0]!["why"]);

        var accepted = (await (await _client.GetAsync("/api/v1/audit?kind=change.accepted")).ReadJsonAsync())["items"]!.AsArray().Single()!;
        Assert.Equal("disruptive", (string?)accepted["details"]!["risk"]);
    }

    [Fact]
    public async Task Plan_validates_without_storing_anything()
    {
        var plan = await _client.PostAsync(Settings + "/plan", MergePatch("""{"bandwidthManager":{"bbr":true}}"""));

        Assert.Equal(HttpStatusCode.OK, plan.StatusCode);
        var body = await plan.ReadJsonAsync();
        Assert.False((bool)body["valid"]!);
        Assert.Contains(body["errors"]!.AsArray(), e => (string)e!["pointer"]! == "/bandwidthManager/bbr");
        Assert.True((bool)body["settings"]!["bandwidthManager"]!["bbr"]!);

        // The defaults again: no settings change, but the fresh repository lacks every file, so committing would add them.
        var same = await (await _client.PostAsync(Settings + "/plan", Json("{}"))).ReadJsonAsync();
        Assert.True((bool)same["valid"]!);
        Assert.Equal("routine", (string?)same["risk"]!["risk"]);
        Assert.Empty(same["changes"]!.AsArray());
        Assert.False((bool)same["noChange"]!);
        Assert.All(same["repository"]!["files"]!.AsArray(), f => Assert.Equal("added", (string)f!["change"]!));
        Assert.Equal(0, await RevisionCountAsync());
    }

    [Fact]
    public async Task Unknown_clusters_get_a_404_problem()
    {
        var response = await _client.GetAsync("/api/v1/clusters/atlantis/cilium");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:cluster-not-found", (string)problem["type"]!);
        Assert.Contains("local", (string)problem["detail"]!);
    }

    private async Task<int> RevisionCountAsync() => (await RevisionNumbersAsync()).Count;

    private async Task<List<int>> RevisionNumbersAsync()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        return await db.Revisions.Where(r => r.ClusterId == "local").OrderBy(r => r.Number).Select(r => r.Number).ToListAsync();
    }
}
