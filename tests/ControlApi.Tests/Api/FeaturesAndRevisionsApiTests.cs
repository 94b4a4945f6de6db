using System.Net;
using ControlApi.Security;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Api;

public sealed class FeaturesAndRevisionsApiTests : IDisposable
{
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public FeaturesAndRevisionsApiTests() => _client = _factory.CreateClient(Role.Operator);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Features_list_every_named_feature_with_its_desired_state()
    {
        var body = await (await _client.GetAsync("/api/v1/clusters/local/features")).ReadJsonAsync();

        var names = body["features"]!.AsArray().Select(f => (string)f!["name"]!).ToList();
        Assert.Equal(["encryption", "bgp", "hubble", "hubble-ui", "host-firewall", "bandwidth-manager", "bbr", "l7-proxy", "kube-proxy-replacement"], names);
        var hubble = body["features"]!.AsArray().Single(f => (string)f!["name"]! == "hubble")!;
        Assert.True((bool)hubble["enabled"]!);
        Assert.False(string.IsNullOrWhiteSpace((string)hubble["description"]!));
    }

    [Fact]
    public async Task Switching_a_feature_makes_a_revision_that_changes_only_that_setting()
    {
        var response = await _client.PutAsync("/api/v1/clusters/local/features/host-firewall", Json("""{"enabled":true}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var settings = (await (await _client.GetAsync("/api/v1/clusters/local/cilium")).ReadJsonAsync())["settings"]!;
        Assert.True((bool)settings["hostFirewall"]!["enabled"]!);
        var features = await (await _client.GetAsync("/api/v1/clusters/local/features")).ReadJsonAsync();
        Assert.True((bool)features["features"]!.AsArray().Single(f => (string)f!["name"]! == "host-firewall")!["enabled"]!);
        Assert.Equal(1, (int)features["revision"]!);
    }

    [Fact]
    public async Task Switching_a_feature_to_its_current_state_is_no_change()
    {
        var response = await _client.PutAsync("/api/v1/clusters/local/features/hubble", Json("""{"enabled":true}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool)(await response.ReadJsonAsync())["noChange"]!);
    }

    [Fact]
    public async Task An_unknown_feature_is_404_and_a_bad_switch_body_is_400()
    {
        var unknown = await _client.PutAsync("/api/v1/clusters/local/features/teleport", Json("""{"enabled":true}"""));
        var missing = await _client.PutAsync("/api/v1/clusters/local/features/bgp", Json("{}"));
        var extra = await _client.PutAsync("/api/v1/clusters/local/features/bgp", Json("""{"enabled":true,"now":1}"""));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("encryption", (string)(await unknown.ReadJsonAsync())["detail"]!);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, extra.StatusCode);
    }

    [Fact]
    public async Task Revisions_page_newest_first_with_a_cursor_that_survives_new_revisions()
    {
        for (var asn = 1; asn <= 5; asn++)
            await _client.PutAsync("/api/v1/clusters/local/cilium", Json("{\"bgp\":{\"localAsn\":" + asn + "}}"));

        var first = await (await _client.GetAsync("/api/v1/clusters/local/revisions?limit=2")).ReadJsonAsync();
        Assert.Equal([5, 4], first["items"]!.AsArray().Select(r => (int)r!["number"]!));
        var cursor = (string)first["next"]!;

        await _client.PutAsync("/api/v1/clusters/local/cilium", Json("{\"bgp\":{\"localAsn\":6}}"));

        var second = await (await _client.GetAsync($"/api/v1/clusters/local/revisions?limit=2&cursor={cursor}")).ReadJsonAsync();
        Assert.Equal([3, 2], second["items"]!.AsArray().Select(r => (int)r!["number"]!));
        var third = await (await _client.GetAsync($"/api/v1/clusters/local/revisions?limit=2&cursor={(string)second["next"]!}")).ReadJsonAsync();
        Assert.Equal([1], third["items"]!.AsArray().Select(r => (int)r!["number"]!));
        Assert.Null(third["next"]);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=201")]
    [InlineData("?cursor=not-a-cursor")]
    public async Task Bad_paging_parameters_get_400(string query)
    {
        var response = await _client.GetAsync("/api/v1/clusters/local/revisions" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_revision_shows_who_why_and_its_timeline()
    {
        await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""),
            ("X-Change-Reason", "lock down nodes"), ("X-On-Behalf-Of", "bob")));

        var revision = await (await _client.GetAsync("/api/v1/clusters/local/revisions/1")).ReadJsonAsync();

        Assert.Equal("bob", (string)revision["onBehalfOf"]!);
        Assert.Equal("lock down nodes", (string)revision["reason"]!);
        Assert.Equal("Accepted", (string)revision["timeline"]![0]!["state"]!);
        Assert.Contains(revision["warnings"]!.AsArray(), w => ((string)w!["pointer"]!).StartsWith("/hostFirewall", StringComparison.Ordinal));

        var missing = await _client.GetAsync("/api/v1/clusters/local/revisions/9");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(1, (int)(await missing.ReadJsonAsync())["currentRevision"]!);
    }

    [Fact]
    public async Task Clusters_are_listed_and_an_unconfigured_cluster_says_it_is_not_connected()
    {
        var clusters = await (await _client.GetAsync("/api/v1/clusters")).ReadJsonAsync();
        var local = clusters.AsArray().Single()!;

        Assert.Equal("local", (string)local["id"]!);
        Assert.False((bool)local["kubernetes"]!["configured"]!);
        Assert.Contains("not connected", (string)local["kubernetes"]!["status"]!);
        Assert.Equal("gitops/infrastructure/cilium", (string)local["gitOps"]!["ciliumPath"]!);
        Assert.Equal(7445, (int)local["talos"]!["kubePrismPort"]!);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/v1/clusters/local")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/clusters/nowhere")).StatusCode);
    }
}
