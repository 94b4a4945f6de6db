using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Notifications;
using ControlApi.Tests.Support;
using ControlApi.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Webhooks;

/// <summary>Audit events pushed to a real receiver on loopback: signed, retried with back-off, logged, failure reported once.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private const string Secret = "correct-horse-battery-staple-42";
    private readonly ControlApi.Tests.GitOps.Support.CapturingLoggerProvider _logs = new();
    private WebhookReceiver _receiver = null!;
    private ControlApiFactory _service = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Notifications:MaxAttempts"] = "5",
            ["ControlApi:Notifications:RetryBaseDelay"] = "00:00:00.050",
            ["ControlApi:Notifications:MaxRetryDelay"] = "00:00:00.200",
            ["ControlApi:Notifications:RequestTimeout"] = "00:00:05",
            ["ControlApi:Notifications:SweepInterval"] = "00:00:02",
        }, logs: _logs);
        _client = _service.CreateClient(Role.Admin);
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_matching_event_arrives_signed_and_its_HMAC_verifies_with_the_secret()
    {
        var hook = await CreateWebhookAsync("/hooks/signed", ["change.accepted"]);

        await SwitchEncryptionAsync("encrypt pod traffic");

        var request = (await Eventually.WaitAsync(() => Task.FromResult<IReadOnlyList<ReceivedRequest>?>(_receiver.At("/hooks/signed")),
            r => r is { Count: > 0 }, what: "the delivery"))[0];
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), request.Body));
        Assert.Equal(expected, request.Header("X-ControlApi-Signature"));
        Assert.True(WebhookSignature.Verify(Secret, request.Body, request.Header("X-ControlApi-Signature")));
        Assert.False(WebhookSignature.Verify("another-secret-of-some-length", request.Body, request.Header("X-ControlApi-Signature")));
        Assert.Equal("change.accepted", request.Header("X-ControlApi-Event"));
        Assert.True(Guid.TryParse(request.Header("X-ControlApi-Delivery"), out _));
        Assert.StartsWith("application/json", request.Header("Content-Type"));

        var payload = JsonNode.Parse(request.Body)!.AsObject();
        var audited = (await (await _client.GetAsync("/api/v1/audit?kind=change.accepted")).ReadJsonAsync())["items"]![0]!;
        Assert.Equal(["id", "kind", "cluster", "revision", "time", "actor", "summary", "details"], payload.Select(p => p.Key));
        Assert.Equal((long)audited["id"]!, (long)payload["id"]!);
        Assert.Equal("change.accepted", (string)payload["kind"]!);
        Assert.Equal("local", (string)payload["cluster"]!);
        Assert.Equal(1, (int)payload["revision"]!);
        Assert.Equal(audited["time"]!.GetValue<DateTimeOffset>(), payload["time"]!.GetValue<DateTimeOffset>());
        Assert.Equal((string)audited["actor"]!, (string)payload["actor"]!);
        Assert.Equal((string)audited["summary"]!, (string)payload["summary"]!);
        Assert.Equal("encrypt pod traffic", (string)payload["details"]!["reason"]!);

        // Only the subscribed kind: the commit that follows is not delivered.
        await Eventually.WaitAsync(() => AuditCountAsync(AuditKinds.GitCommitted), n => n > 0, what: "the commit");
        var log = await DeliveriesAsync(hook);
        Assert.Equal(["change.accepted"], log.Select(d => (string)d!["eventKind"]!));
    }

    [Fact]
    public async Task A_receiver_answering_500_gets_retried_with_the_same_delivery_and_the_log_shows_each_try()
    {
        _receiver.Answer("/hooks/flaky", 500, 500, 200);
        var hook = await CreateWebhookAsync("/hooks/flaky", ["change."]);

        await SwitchEncryptionAsync("try, try again");

        var delivery = await Eventually.WaitAsync(async () => (await DeliveriesAsync(hook)).FirstOrDefault(),
            d => (string?)d?["state"] == DeliveryStates.Succeeded, TimeSpan.FromSeconds(45), "the delivery to succeed");
        var tries = delivery!["tries"]!.AsArray();
        Assert.Equal([500, 500, 200], tries.Select(t => (int)t!["statusCode"]!));
        Assert.Equal(["HTTP 500", "HTTP 500", null], tries.Select(t => (string?)t!["error"]));
        Assert.Equal([1, 2, 3], tries.Select(t => (int)t!["number"]!));
        Assert.All(tries, t => Assert.True((double)t!["durationMs"]! >= 0));
        var times = tries.Select(t => t!["time"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(3, (int)delivery["attempts"]!);

        var received = _receiver.At("/hooks/flaky");
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.Header("X-ControlApi-Delivery")).Distinct());
        Assert.Equal((string)delivery["deliveryId"]!, received[0].Header("X-ControlApi-Delivery"));
        Assert.Single(received.Select(r => r.Text).Distinct());
        Assert.All(received, r => Assert.True(WebhookSignature.Verify(Secret, r.Body, r.Header("X-ControlApi-Signature"))));
    }

    [Fact]
    public async Task After_the_last_try_a_webhook_failed_event_is_written_and_delivered_to_other_subscribers()
    {
        _receiver.Answer("/hooks/down", 503);
        var down = await CreateWebhookAsync("/hooks/down", ["change.accepted", "webhook.failed"]);
        await CreateWebhookAsync("/hooks/watcher", ["webhook."]);

        await SwitchEncryptionAsync("nobody is listening");

        var delivery = await Eventually.WaitAsync(async () => (await DeliveriesAsync(down)).FirstOrDefault(),
            d => (string?)d?["state"] == DeliveryStates.Failed, TimeSpan.FromSeconds(60), "the delivery to fail");
        Assert.Equal(5, delivery!["tries"]!.AsArray().Count);
        Assert.All(delivery["tries"]!.AsArray(), t => Assert.Equal(503, (int)t!["statusCode"]!));

        var failed = (await (await _client.GetAsync("/api/v1/audit?kind=webhook.failed")).ReadJsonAsync())["items"]!.AsArray().Single()!;
        Assert.Equal("system", (string)failed["actor"]!);
        Assert.Equal("local", (string)failed["cluster"]!);
        Assert.Equal(down, (long)failed["details"]!["webhookId"]!);
        Assert.Equal("change.accepted", (string)failed["details"]!["eventKind"]!);
        Assert.Equal(5, (int)failed["details"]!["attempts"]!);
        Assert.Equal("HTTP 503", (string)failed["details"]!["lastError"]!);

        var told = await Eventually.WaitAsync(() => Task.FromResult<IReadOnlyList<ReceivedRequest>?>(_receiver.At("/hooks/watcher")),
            r => r is { Count: > 0 }, what: "the watcher to hear of the failure");
        Assert.Equal("webhook.failed", told[0].Header("X-ControlApi-Event"));
        Assert.Equal((long)failed["id"]!, (long)JsonNode.Parse(told[0].Body)!["id"]!);
        // The failing receiver is not told about its own failure.
        Assert.DoesNotContain(_receiver.At("/hooks/down"), r => r.Header("X-ControlApi-Event") == "webhook.failed");
        // Logs name the receiver's host at most: never the secret, nor the URL's path (tokens live there).
        Assert.Contains("Delivery", _logs.AllText);
        Assert.DoesNotContain(Secret, _logs.AllText);
        Assert.DoesNotContain("/hooks/down", _logs.AllText);
    }

    [Fact]
    public async Task Receivers_that_all_fail_report_each_failure_once_and_do_not_feed_each_other()
    {
        _receiver.Answer("/hooks/a", 500);
        _receiver.Answer("/hooks/b", 500);
        await CreateWebhookAsync("/hooks/a", ["change.accepted", "webhook.failed"]);
        await CreateWebhookAsync("/hooks/b", ["change.accepted", "webhook.failed"]);

        await SwitchEncryptionAsync("everything is down");

        // Quiet once nothing is pending: only new audit events could queue more deliveries.
        await Eventually.WaitAsync(async () =>
        {
            await using var scope = _service.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            return (Failed: await db.AuditEvents.CountAsync(e => e.Kind == AuditKinds.WebhookFailed),
                Pending: await db.NotificationDeliveries.CountAsync(d => d.State == DeliveryStates.Pending));
        }, s => s is { Failed: 2, Pending: 0 }, TimeSpan.FromSeconds(90), "both failures reported and all deliveries finished");

        await using var scope = _service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var deliveries = await db.NotificationDeliveries.AsNoTracking().ToListAsync();
        Assert.Equal(4, deliveries.Count); // change.accepted to a and b; a's failure to b, b's failure to a
        Assert.All(deliveries, d => Assert.Equal(DeliveryStates.Failed, d.State));
        Assert.Equal(2, await db.AuditEvents.CountAsync(e => e.Kind == AuditKinds.WebhookFailed));
        Assert.True((bool)(await (await _client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync())["ok"]!);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_logged_with_the_error_instead_of_a_status()
    {
        // A port nobody listens on: take a free one from the OS and let it go again.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var created = await _client.PostAsync("/api/v1/webhooks", Json($$"""
            {"url":"http://127.0.0.1:{{port}}/nobody","events":["change.accepted"],"secret":"{{Secret}}"}
            """));
        var hook = (long)(await created.ReadJsonAsync())["id"]!;

        await SwitchEncryptionAsync("shouting into the void");

        var delivery = await Eventually.WaitAsync(async () => (await DeliveriesAsync(hook)).FirstOrDefault(),
            d => d?["tries"]!.AsArray().Count >= 1, TimeSpan.FromSeconds(30), "the first try");
        var first = delivery!["tries"]![0]!;
        Assert.Null(first["statusCode"]);
        Assert.StartsWith("Request failed:", (string)first["error"]!);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)first["error"]!);
    }

    private async Task<long> CreateWebhookAsync(string path, string[] events)
    {
        var body = new JsonObject { ["url"] = _receiver.Url(path), ["events"] = new JsonArray([.. events.Select(e => (JsonNode)e)]), ["secret"] = Secret };
        var response = await _client.PostAsync("/api/v1/webhooks", Json(body.ToJsonString()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (long)(await response.ReadJsonAsync())["id"]!;
    }

    private async Task SwitchEncryptionAsync(string reason)
    {
        var response = await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/features/encryption", Json("""{"enabled":true}"""),
            ("X-Change-Reason", reason)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<JsonArray> DeliveriesAsync(long webhook)
    {
        var response = await _client.GetAsync($"/api/v1/webhooks/{webhook}/deliveries");
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"delivery log answered {(int)response.StatusCode}: {body.ToJsonString()}");
        return body["items"]!.AsArray();
    }

    private async Task<int> AuditCountAsync(string kind) =>
        (await (await _client.GetAsync($"/api/v1/audit?kind={kind}&limit=500")).ReadJsonAsync())["items"]!.AsArray().Count;
}
