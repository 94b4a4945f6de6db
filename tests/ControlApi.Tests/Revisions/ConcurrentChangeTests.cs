using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Core.Settings;
using ControlApi.Security;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Revisions;

/// <summary>
/// Many writers at once, as a burst of scripts or chat users sends them: whatever work the change
/// path does before or outside its write turn, each change is numbered, described, audited and
/// remembered as if the writers had come one after the other. Compiled against PostgreSQL too.
/// </summary>
public sealed class ConcurrentChangeTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public ConcurrentChangeTests() => _client = _factory.CreateClient(Role.Operator);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Concurrent_distinct_changes_each_become_a_revision_described_against_the_one_before_it()
    {
        const int writers = 24;

        var answers = await Task.WhenAll(Enumerable.Range(1, writers).Select(i => _client.PutAsync(Settings, Json(Body(Hostname(i))))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        var numbers = new List<int>();
        foreach (var answer in answers) numbers.Add((int)(await answer.ReadJsonAsync())["revision"]!["number"]!);
        Assert.Equal(Enumerable.Range(1, writers), numbers.Order());

        // Each revision lists the hostname it replaced: the one of the revision numbered just before it,
        // whichever writer that was — not the settings current when its request arrived.
        string? before = null;
        for (var number = 1; number <= writers; number++)
        {
            var revision = await (await _client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync();
            var hostname = (string)revision["settings"]!["hubble"]!["ui"]!["hostname"]!;
            var change = Assert.Single(revision["values"]!.AsArray(), v => Text(v!["new"]) == hostname);
            Assert.Equal(before, Text(change!["old"]));
            before = hostname;
        }

        // One change.accepted per revision, in revision order, and the hash chain unbroken.
        var audit = await (await _client.GetAsync("/api/v1/audit?kind=change.accepted&limit=100")).ReadJsonAsync();
        var accepted = audit["items"]!.AsArray().Select(e => (int)e!["revision"]!).Reverse().ToList();
        Assert.Equal(Enumerable.Range(1, writers), accepted);
        var verdict = await (await _client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.True((bool)verdict["ok"]!, verdict.ToJsonString());
    }

    [Fact]
    public async Task Concurrent_retries_with_one_Idempotency_Key_make_one_revision_and_get_the_first_answer()
    {
        const int keys = 8;
        const int copies = 3;

        var sends = Enumerable.Range(1, keys).SelectMany(k => Enumerable.Range(1, copies).Select(async _ =>
        {
            var response = await _client.SendAsync(Request(HttpMethod.Put, Settings, Json(Body(Hostname(k))), ("Idempotency-Key", $"burst-{k}")));
            return (Key: k, response.StatusCode, Location: response.Headers.Location?.OriginalString, Body: await response.ReadJsonAsync());
        }));
        var answers = await Task.WhenAll(sends);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        foreach (var sameKey in answers.GroupBy(a => a.Key))
        {
            Assert.Single(sameKey.Select(a => a.Location).Distinct());
            Assert.All(sameKey, a => Assert.True(JsonNode.DeepEquals(sameKey.First().Body, a.Body)));
        }
        var revisions = await (await _client.GetAsync("/api/v1/clusters/local/revisions?limit=100")).ReadJsonAsync();
        Assert.Equal(Enumerable.Range(1, keys), revisions["items"]!.AsArray().Select(r => (int)r!["number"]!).Order());
    }

    private static string? Text(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Hostname(int writer) => $"hubble-{writer}.burst.example";

    private static string Body(string hostname) => SettingsJson.Serialize(CiliumSettings.Defaults with
    {
        Hubble = CiliumSettings.Defaults.Hubble with
        {
            Relay = true,
            Ui = new HubbleUiSettings { Enabled = true, ServiceType = ServiceType.LoadBalancer, Hostname = hostname },
        },
    });
}
