using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ControlApi.Tests.Events;

/// <summary><c>GET /api/v1/events</c>: the audit history live, as Server-Sent Events.</summary>
public sealed class EventStreamTests : IDisposable
{
    private readonly ControlApiFactory _service = new(new()
    {
        ["ControlApi:Events:MaxStreamsPerKey"] = "2",
        ["ControlApi:Events:HeartbeatInterval"] = "00:00:00.300",
    });

    private readonly HttpClient _operator;
    private readonly HttpClient _viewer;

    public EventStreamTests()
    {
        _operator = _service.CreateClient(Role.Operator);
        _viewer = _service.CreateClient(Role.Viewer);
    }

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task A_viewer_sees_the_events_of_a_change_in_order_with_their_audit_ids()
    {
        await using var stream = await OpenAsync(_viewer, "/api/v1/events?cluster=local");
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);

        await SwitchAsync("l7-proxy", false, revision: 1);

        var events = await stream.EventsAsync(2);
        Assert.Equal([AuditKinds.ChangeAccepted, AuditKinds.GitCommitted], events.Select(e => e.Event));
        foreach (var e in events)
        {
            Assert.Equal(e.Id, (string?)e.Json["id"]?.ToString());
            Assert.Equal(e.Event, (string?)e.Json["kind"]);
            Assert.Equal(1, (int?)e.Json["revision"]);
        }
        Assert.True(long.Parse(events[0].Id!) < long.Parse(events[1].Id!));
        // The data is the event exactly as the audit API renders it.
        var listed = (await _viewer.GetFromJsonNodeAsync("/api/v1/audit?cluster=local&kind=git.committed"))!["items"]![0]!;
        Assert.Equal(listed.Compact(), events[1].Json.Compact());
    }

    [Fact]
    public async Task Resuming_with_Last_Event_ID_sends_exactly_the_events_missed_in_between()
    {
        long seen;
        await using (var first = await OpenAsync(_viewer, "/api/v1/events?cluster=local"))
        {
            await SwitchAsync("l7-proxy", false, revision: 1);
            seen = long.Parse((await first.EventsAsync(1))[0].Id!);
        }
        // While disconnected: the rest of revision 1 and all of revision 2.
        await SwitchAsync("host-firewall", true, revision: 2);
        var missed = (await AuditIdsAsync("cluster=local")).Where(id => id > seen).ToList();
        Assert.True(missed.Count >= 3, $"expected at least 3 missed events, got {missed.Count}");

        await using var resumed = await OpenAsync(_viewer, "/api/v1/events?cluster=local", ("Last-Event-ID", seen.ToString()));
        var replayed = await resumed.EventsAsync(missed.Count);
        Assert.Equal(missed, replayed.Select(e => long.Parse(e.Id!)));

        // Nothing repeats after the replay: the next event is a new one.
        await SwitchAsync("l7-proxy", true, revision: 3);
        var next = (await resumed.EventsAsync(1))[0];
        Assert.True(long.Parse(next.Id!) > missed[^1]);
        Assert.Equal(3, (int?)next.Json["revision"]);

        // The query parameter does the same for clients that cannot set headers.
        await using var byQuery = await OpenAsync(_viewer, $"/api/v1/events?cluster=local&lastEventId={seen}");
        Assert.Equal(missed, (await byQuery.EventsAsync(missed.Count)).Select(e => long.Parse(e.Id!)));
    }

    [Fact]
    public async Task Filters_by_kind_prefix_and_revision_send_only_matching_events()
    {
        await using var commits = await OpenAsync(_viewer, "/api/v1/events?kind=git.", ("Last-Event-ID", "0"));
        await using var second = await OpenAsync(_viewer, "/api/v1/events?cluster=local&revision=2", ("Last-Event-ID", "0"));
        await SwitchAsync("l7-proxy", false, revision: 1);
        await SwitchAsync("host-firewall", true, revision: 2);

        var committed = await commits.EventsAsync(2);
        Assert.All(committed, e => Assert.Equal(AuditKinds.GitCommitted, e.Event));
        Assert.Equal([1, 2], committed.Select(e => (int)e.Json["revision"]!));

        var ofTwo = await second.EventsAsync(2);
        Assert.All(ofTwo, e => Assert.Equal(2, (int?)e.Json["revision"]));
        Assert.Equal([AuditKinds.ChangeAccepted, AuditKinds.GitCommitted], ofTwo.Select(e => e.Event));
    }

    [Fact]
    public async Task An_idle_stream_carries_keep_alive_comments()
    {
        await using var stream = await OpenAsync(_viewer, "/api/v1/events");
        var comments = 0;
        while (comments < 3)
        {
            var frame = await stream.NextAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(frame);
            Assert.Equal("keep-alive", frame.Comment);
            comments++;
        }
    }

    [Fact]
    public async Task A_key_may_hold_only_so_many_streams_and_gets_a_429_that_says_so()
    {
        await using var one = await OpenAsync(_viewer, "/api/v1/events");
        await using var two = await OpenAsync(_viewer, "/api/v1/events");

        var third = await _viewer.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var problem = await third.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:too-many-streams", (string?)problem["type"]);
        Assert.Contains("2 event streams open", (string?)problem["detail"]);
        Assert.Contains("MaxStreamsPerKey", (string?)problem["detail"]);

        // Another key has its own allowance.
        await using var other = await OpenAsync(_operator, "/api/v1/events");

        // Closing a stream gives its slot back.
        await two.DisposeAsync();
        await Eventually.WaitAsync(async () =>
        {
            var again = await _viewer.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/events"), HttpCompletionOption.ResponseHeadersRead);
            if (again.StatusCode == HttpStatusCode.OK) again.Dispose();
            return (HttpStatusCode?)again.StatusCode;
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "a slot to come free");
    }

    [Fact]
    public async Task Without_a_key_the_stream_is_refused_with_401()
    {
        var response = await _service.CreateClient().GetAsync("/api/v1/events");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/events?kind=Flux Applied", "kind")]
    [InlineData("/api/v1/events?revision=2", "revision")]
    [InlineData("/api/v1/events?lastEventId=yesterday", "lastEventId")]
    public async Task A_bad_filter_or_resume_point_is_a_400_naming_the_parameter(string url, string parameter)
    {
        var response = await _viewer.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(parameter, (string?)(await response.ReadJsonAsync())["parameter"]);
    }

    [Fact]
    public async Task Streams_end_cleanly_when_the_service_stops()
    {
        await using var stream = await OpenAsync(_viewer, "/api/v1/events");
        Assert.Equal("keep-alive", (await stream.NextAsync())?.Comment);

        _service.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        SseFrame? frame;
        do frame = await stream.NextAsync(TimeSpan.FromSeconds(15));
        while (frame is not null);
    }

    private static async Task<SseClient> OpenAsync(HttpClient client, string url, params (string Name, string Value)[] headers)
    {
        var response = await client.SendAsync(HttpJson.Request(HttpMethod.Get, url, null, headers), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new SseClient(response);
    }

    /// <summary>Switches a feature and waits until its revision is committed (no cluster here, so that is where it stops).</summary>
    private async Task SwitchAsync(string feature, bool enabled, int revision)
    {
        var response = await _operator.PutAsync($"/api/v1/clusters/local/features/{feature}", HttpJson.Json($$"""{"enabled": {{(enabled ? "true" : "false")}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var committed = await _operator.GetFromJsonNodeAsync($"/api/v1/clusters/local/revisions/{revision}?waitFor=Committed&timeout=30s");
        Assert.Equal("Committed", (string?)committed!["state"]);
    }

    private async Task<List<long>> AuditIdsAsync(string query)
    {
        var page = await _viewer.GetFromJsonNodeAsync($"/api/v1/audit?{query}&limit=500");
        return page!["items"]!.AsArray().Select(e => (long)e!["id"]!).Reverse().ToList();
    }
}
