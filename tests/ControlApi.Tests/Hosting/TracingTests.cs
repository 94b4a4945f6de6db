using System.Diagnostics;
using System.Net;
using System.Text;
using ControlApi.Security;
using ControlApi.Tests.Support;
using ControlApi.Tests.Webhooks;
using Microsoft.Extensions.Options;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Hosting;

/// <summary>
/// OpenTelemetry traces over OTLP/HTTP to a collector stand-in on loopback. The protobuf is read as
/// bytes: strings (span names, attribute keys and values) and the 16-byte trace id appear in it as
/// they are.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    // A cluster id no other test uses: tracing listens process-wide, so spans of parallel test
    // hosts may reach this collector too; ours are told apart by it.
    private const string Cluster = "traced";

    private WebhookReceiver _collector = null!;

    public async Task InitializeAsync() => _collector = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _collector.DisposeAsync();

    [Fact]
    public async Task Requests_and_jobs_reach_the_collector_in_the_callers_trace_and_are_flushed_at_shutdown()
    {
        var traceId = ActivityTraceId.CreateRandom();
        string operatorKey;
        await using (var service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:Id"] = Cluster,
            ["ControlApi:Tracing:OtlpEndpoint"] = _collector.BaseUrl,
            ["ControlApi:Tracing:OtlpProtocol"] = "http/protobuf",
            ["ControlApi:Tracing:ServiceName"] = "controlapi-under-test",
        }))
        {
            var client = service.CreateClient(Role.Operator);
            operatorKey = service.KeyFor(Role.Operator);
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/clusters/{Cluster}/features/host-firewall") { Content = Json("""{"enabled":true}""") };
            request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(request)).StatusCode);
            await Eventually.WaitAsync(async () => (string?)(await (await client.GetAsync($"/api/v1/clusters/{Cluster}/revisions/1")).ReadJsonAsync())["state"],
                state => state == "Committed", TimeSpan.FromSeconds(30), "revision 1 to be committed");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        }

        // Disposed: the batch (5 s by default) was flushed on the way out, nothing is waited for.
        var exports = _collector.At("/v1/traces");
        Assert.NotEmpty(exports);
        Assert.All(exports, e => Assert.Equal("application/x-protobuf", e.Header("Content-Type")));
        var ours = exports.Where(e => Contains(e.Body, "controlapi-under-test")).Select(e => e.Body).ToList();
        Assert.NotEmpty(ours);

        // The request's span continues the caller's trace and names the route.
        var trace = Convert.FromHexString(traceId.ToHexString());
        Assert.Contains(ours, body => Contains(body, trace) && Contains(body, "/api/v1/clusters/{cluster}/features/{feature}"));
        Assert.Contains(ours, body => Contains(body, "commit job") && Contains(body, "controlapi.cluster") && Contains(body, Cluster));
        // Probes are not traced; no key reaches the collector.
        Assert.DoesNotContain(ours, body => Contains(body, "/healthz"));
        Assert.DoesNotContain(exports, e => Contains(e.Body, operatorKey));
    }

    [Theory]
    [InlineData("ControlApi:Tracing:OtlpEndpoint", "collector:4317", "ControlApi:Tracing:OtlpEndpoint 'collector:4317' is not an absolute http(s) URL")]
    [InlineData("ControlApi:Tracing:OtlpProtocol", "thrift", "ControlApi:Tracing:OtlpProtocol 'thrift' must be grpc or http/protobuf")]
    [InlineData("ControlApi:Tracing:SampleRatio", "1.5", "ControlApi:Tracing:SampleRatio 1.5 must be between 0 and 1")]
    public void Unusable_tracing_settings_stop_the_start_naming_the_key(string key, string value, string expected)
    {
        using var factory = new ControlApiFactory(new Dictionary<string, string?> { [key] = value });

        var failure = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, failure.Message);
    }

    private static bool Contains(byte[] body, string text) => Contains(body, Encoding.UTF8.GetBytes(text));

    private static bool Contains(byte[] body, byte[] part) => body.AsSpan().IndexOf(part) >= 0;
}
