using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Tests.Canary;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;

namespace ControlApi.Tests.Chatops;

/// <summary>Canaries in chat: <c>status</c> shows the canary, <c>promote</c> rolls it out and is followed to Verified.</summary>
public sealed class ChatCanaryTests
{
    private static Dictionary<string, string?> WithChat() => new()
    {
        ["ControlApi:Chatops:Slack:SigningSecret"] = ChatopsService.SlackSecret,
        ["ControlApi:Chatops:Slack:ResponseUrlHosts:0"] = "127.0.0.1",
        [$"ControlApi:Chatops:Users:slack:{ChatopsService.SlackOperator}"] = "operator",
        [$"ControlApi:Chatops:Users:slack:{ChatopsService.SlackViewer}"] = "viewer",
        ["ControlApi:Chatops:FollowUp:PollInterval"] = "00:00:00.100",
        ["ControlApi:Chatops:FollowUp:MaxPollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Status_shows_the_canary_and_promote_in_chat_takes_it_to_every_node_with_follow_ups()
    {
        await using var receiver = await ResponseUrlReceiver.StartAsync();
        await using var cluster = await TrackedCluster.StartAsync(WithChat());
        await CanaryRolloutTests.BaselineAsync(cluster);
        Assert.Equal(HttpStatusCode.Accepted, (await CanaryRolloutTests.PatchAsCanaryAsync(cluster.Client, CanaryRolloutTests.Geneve)).StatusCode);
        await cluster.WaitForStateAsync(2, "CanaryVerified", TimeSpan.FromSeconds(90));

        var status = (await SlackAsync(cluster, "status", userName: "status-asker")).AllText();
        Assert.Contains("`local` is at revision 2 (CanaryVerified)", status);
        Assert.Contains("verified on `kubernetes.io/hostname in (node-03,node-07,node-11)` (node-03, node-07, node-11) with tunnel-protocol=geneve", status);
        Assert.Contains("`promote 2 local`", status);

        var viewer = await SlackAsync(cluster, "promote 2", userId: ChatopsService.SlackViewer, userName: "viewer");
        Assert.Contains("viewer", viewer.AllText());
        Assert.Empty(await cluster.AuditAsync(AuditKinds.CanaryPromoted));
        Assert.Contains("That is not how `promote` works", (await SlackAsync(cluster, "promote 2 now", userName: "typo")).AllText());

        var promoted = await SlackAsync(cluster, "promote 2", receiver.ResponseUrl);

        Assert.Equal("in_channel", promoted.ResponseType());
        Assert.Contains("Promoting the canary of revision 2 on `local` to every node", promoted.AllText());
        var posts = new List<string>();
        await Eventually.WaitAsync(async () =>
        {
            posts.Add((await receiver.NextAsync(TimeSpan.FromSeconds(90))).AllText());
            return posts;
        }, p => p!.Any(t => t.Contains("is live and verified", StringComparison.Ordinal)), TimeSpan.FromSeconds(120), "a follow-up saying the promotion is verified");
        var chat = Assert.Single(await cluster.AuditAsync(AuditKinds.CanaryPromoted));
        Assert.Equal("chatops", chat.Source);

        var again = await SlackAsync(cluster, "promote 2", userName: "again");
        Assert.Contains("already promoted", again.AllText());
    }

    private static async Task<JsonNode> SlackAsync(TrackedCluster cluster, string text, string? responseUrl = null, string userName = "roadrunner", string userId = ChatopsService.SlackOperator)
    {
        var body = ChatopsService.SlackBody(text, userId: userId, userName: userName, responseUrl: responseUrl);
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/slack") { Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add("X-Slack-Request-Timestamp", at);
        request.Headers.Add("X-Slack-Signature", ChatSigning.Slack(ChatopsService.SlackSecret, at, body));
        var response = await cluster.Service.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
