using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Chatops;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking;
using ControlApi.Tests.Tracking.Support;

namespace ControlApi.Tests.Chatops;

/// <summary>Chat against the simulated 17-node cluster: <c>status</c> shows the live observation, follow-ups follow a change to the end.</summary>
public sealed class ChatLiveStatusTests
{
    private static Dictionary<string, string?> WithChat() => new()
    {
        ["ControlApi:Chatops:Slack:SigningSecret"] = ChatopsService.SlackSecret,
        ["ControlApi:Chatops:Slack:ResponseUrlHosts:0"] = "127.0.0.1",
        [$"ControlApi:Chatops:Users:slack:{ChatopsService.SlackOperator}"] = "operator",
        ["ControlApi:Chatops:FollowUp:PollInterval"] = "00:00:00.100",
        ["ControlApi:Chatops:FollowUp:MaxPollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Chat_status_shows_the_live_observation_of_the_cluster()
    {
        await using var cluster = await TrackedCluster.StartAsync(WithChat());
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        // A loaded machine can make one poll time out (unreachable); chat shows whatever the latest observation says.
        await Eventually.WaitAsync(async () => (JsonNode?)await cluster.PollNowAsync(),
            s => (string?)s!["status"] == "observed" && s["observation"]!["flux"]!.AsArray().All(f => (bool)f!["ready"]!), TimeSpan.FromSeconds(60), "a reachable, ready observation");

        // Polls also start when the watched objects change, so the latest observation may be a newer
        // one than the poll above: wait until chat shows a reachable, ready one.
        // Each ask is its own request (another user_name), so a second one within the same second is not a replay.
        var asked = 0;
        // A poll still running from before may store an older picture after that one; a later ask polls again.
        var text = await Eventually.WaitAsync(async () =>
            {
                if (asked > 0) await cluster.PollNowAsync();
                return (await SlackAsync(cluster, "status", userName: $"roadrunner-{++asked}")).AllText();
            },
            t => t!.Contains("ready (GitRepository, Kustomization, HelmRelease)", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "chat to show a ready observation");

        Assert.Contains("`local` is at revision 1 (Verified)", text);
        Assert.Contains("observed ", text);
        Assert.DoesNotContain("not observed", text);
        Assert.True(text.Contains("ready (GitRepository, Kustomization, HelmRelease)", StringComparison.Ordinal), text);
        Assert.Contains("17/17 updated, 17 ready, 17 available", text);
        Assert.Contains("agents as desired (17 pods)", text);
        Assert.Contains("none: cilium-config matches the desired settings", text);
    }

    [Fact]
    public async Task A_chat_change_is_followed_through_Applied_and_RolledOut_to_Verified()
    {
        await using var receiver = await ResponseUrlReceiver.StartAsync();
        await using var cluster = await TrackedCluster.StartAsync(WithChat());
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");

        var accepted = await SlackAsync(cluster, "enable encryption", receiver.ResponseUrl);
        Assert.Equal("in_channel", accepted.ResponseType());

        var headlines = new List<string>();
        while (!headlines.Any(h => h.Contains("verified", StringComparison.Ordinal) || h.Contains("failed", StringComparison.Ordinal)))
            headlines.Add((string)(await receiver.NextAsync(TimeSpan.FromSeconds(90)))["text"]!);

        Assert.Contains("Revision 2 of `local` committed", headlines[0]);
        Assert.EndsWith("Revision 2 of `local` is live and verified", headlines[^1]);
        // Looks are spaced out, so a step may pass unseen, but never out of order.
        var order = new[] { "committed", "applied by Flux", "rolled out", "live and verified" };
        var seen = headlines.Select(h => Array.FindIndex(order, o => h.Contains(o, StringComparison.Ordinal))).ToList();
        Assert.DoesNotContain(-1, seen);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal("Verified", (string?)(await cluster.RevisionAsync(2))["state"]);
    }

    [Fact]
    public async Task A_chat_change_that_fails_is_reported_with_its_reason()
    {
        await using var receiver = await ResponseUrlReceiver.StartAsync();
        await using var cluster = await TrackedCluster.StartAsync(WithChat());
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.FailNextUpgrade("admission webhook \"policy.example\" denied the request");

        await SlackAsync(cluster, "enable encryption", receiver.ResponseUrl);

        JsonNode post;
        do post = await receiver.NextAsync(TimeSpan.FromSeconds(90));
        while (!((string)post["text"]!).Contains("failed", StringComparison.Ordinal));
        Assert.EndsWith("Revision 2 of `local` failed: ReconcileFailed", (string?)post["text"]);
        Assert.Contains("denied the request", post.AllText());
    }

    [Fact]
    public async Task A_chat_change_rolled_back_automatically_tells_the_channel_and_follows_the_rollback_to_Verified()
    {
        await using var receiver = await ResponseUrlReceiver.StartAsync();
        var settings = WithChat();
        settings["ControlApi:Clusters:0:AutoRollback"] = "true";
        await using var cluster = await TrackedCluster.StartAsync(settings);
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.FailNextUpgrade("admission webhook \"policy.example\" denied the request");

        await SlackAsync(cluster, "enable encryption", receiver.ResponseUrl);

        var headlines = new List<string>();
        while (!headlines.Any(h => h.Contains("Revision 3 of `local` is live and verified", StringComparison.Ordinal)))
            headlines.Add((string)(await receiver.NextAsync(TimeSpan.FromSeconds(120)))["text"]!);

        Assert.Contains(headlines, h => h.EndsWith("Revision 2 of `local` failed and is rolled back automatically as revision 3", StringComparison.Ordinal));
        Assert.True(headlines.Count <= FollowUpDecision.MaxPosts, string.Join(" | ", headlines));
        Assert.Equal("auto-rollback", (string?)(await cluster.RevisionAsync(3))["source"]);
    }

    [Fact]
    public async Task Repair_in_chat_re_applies_the_release_and_clears_a_hand_edit()
    {
        await using var cluster = await TrackedCluster.StartAsync(WithChat());
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.EditCiliumConfig("enable-host-firewall", "false");
        await cluster.WaitForAuditAsync(AuditKinds.DriftDetected);

        var reply = await SlackAsync(cluster, "repair undo the kubectl edit");

        Assert.Equal("in_channel", reply.ResponseType());
        Assert.Contains("Flux is asked to re-apply the Cilium release of `local`", reply.AllText());
        await cluster.WaitForAuditAsync(AuditKinds.DriftCleared, timeout: TimeSpan.FromSeconds(60));
        var requested = Assert.Single(await cluster.AuditAsync(AuditKinds.RepairRequested));
        Assert.Equal("chatops", requested.Source);
        Assert.Contains("undo the kubectl edit", requested.Summary);
    }

    [Fact]
    public async Task Retrack_in_chat_follows_a_failed_revision_again_and_refuses_one_that_cannot_be_followed()
    {
        await using var cluster = await TrackedCluster.StartAsync(WithChat());
        cluster.Simulator.FailNextUpgrade();
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "ReconcileFailed");

        var started = await SlackAsync(cluster, "retrack 1");
        Assert.Contains("Following revision 1 of `local` again", started.AllText());
        Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.RevisionRetracked));

        var missing = await SlackAsync(cluster, "retrack 7");
        Assert.Contains("has no revision 7", missing.AllText());
        var misused = await SlackAsync(cluster, "retrack 1 because");
        Assert.Contains("That is not how `retrack` works", misused.AllText());
        Assert.Single(await cluster.AuditAsync(AuditKinds.RevisionRetracked));
    }

    private static async Task<JsonNode> SlackAsync(TrackedCluster cluster, string text, string? responseUrl = null, string userName = "roadrunner")
    {
        var body = ChatopsService.SlackBody(text, userName: userName, responseUrl: responseUrl);
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/slack") { Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add("X-Slack-Request-Timestamp", at);
        request.Headers.Add("X-Slack-Signature", ChatSigning.Slack(ChatopsService.SlackSecret, at, body));
        var response = await cluster.Service.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
