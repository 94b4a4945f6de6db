using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.Notifications;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using ControlApi.Security;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Webhooks;

/// <summary>The Slack incoming-webhook notifier, posting to a loopback receiver whose URL is read from a file.</summary>
public sealed class SlackNotifierTests : IAsyncLifetime
{
    private const string SlackPath = "/services/T000/B000/not-a-real-token";
    private readonly TempDirectory _temp = new();
    private readonly CapturingLoggerProvider _logs = new();
    private WebhookReceiver _receiver = null!;
    private ControlApiFactory _service = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        var urlFile = _temp.Combine("slack-url");
        await File.WriteAllTextAsync(urlFile, _receiver.Url(SlackPath) + "\n");
        _service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Notifications:Slack:WebhookUrlFile"] = urlFile,
            ["ControlApi:Notifications:Slack:Events:0"] = "change.accepted",
            ["ControlApi:Notifications:Slack:Events:1"] = "git.",
            ["ControlApi:Notifications:Slack:LinkBaseUrl"] = "https://controlapi.example.test/",
        }, logs: _logs);
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _receiver.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Each_listed_event_becomes_a_coloured_Block_Kit_message_with_cluster_revision_changes_and_commit()
    {
        var client = _service.CreateClient(Role.Operator);
        var put = await client.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/features/encryption", Json("""{"enabled":true}"""),
            ("X-Change-Reason", "<!channel> encrypt it & ship it")));
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);

        var messages = await Eventually.WaitAsync(() => Task.FromResult<IReadOnlyList<ReceivedRequest>?>(_receiver.At(SlackPath)),
            r => r is { Count: >= 2 }, TimeSpan.FromSeconds(45), "two Slack messages");
        var byKind = messages.ToDictionary(m => m.Header("X-ControlApi-Event"), m => JsonNode.Parse(m.Body)!);

        var accepted = byKind["change.accepted"];
        var attachment = accepted["attachments"]![0]!;
        Assert.Equal(SlackMessage.ColorOf(NotificationOutcome.InProgress), (string)attachment["color"]!);
        var text = Texts(attachment);
        Assert.Contains("*Cluster*\nlocal", text);
        Assert.Contains("*Revision*\n<https://controlapi.example.test/api/v1/clusters/local/revisions/1|1>", text);
        Assert.Contains("*What changed*", text);
        Assert.Contains("encryption", text);
        Assert.Contains("&lt;!channel&gt; encrypt it &amp; ship it", text);
        Assert.DoesNotContain("<!channel>", accepted.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.False(string.IsNullOrWhiteSpace((string?)accepted["text"]));

        var committed = byKind["git.committed"];
        var revision = await (await client.GetAsync("/api/v1/clusters/local/revisions/1")).ReadJsonAsync();
        var sha = (string)revision["commitSha"]!;
        Assert.Contains($"*Commit*\n`{sha[..7]}`", Texts(committed["attachments"]![0]!));

        // The incoming-webhook URL is a credential: it is used, never written down.
        Assert.NotEmpty(_logs.Lines);
        Assert.DoesNotContain("not-a-real-token", _logs.AllText);
    }

    /// <summary>All mrkdwn text in an attachment's blocks, fields and context elements.</summary>
    private static string Texts(JsonNode attachment) => string.Join("\n---\n", attachment["blocks"]!.AsArray().SelectMany(block =>
        new[] { (string?)block!["text"]?["text"] }
            .Concat(block["fields"]?.AsArray().Select(f => (string?)f!["text"]) ?? [])
            .Concat(block["elements"]?.AsArray().Select(e => (string?)e!["text"]) ?? []))
        .Where(t => t is not null));
}
