using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Approvals;

/// <summary>The two-person rule in chat: Slack's Approve / Reject buttons, and `approve` / `reject` on the text platforms.</summary>
public sealed class ChatApprovalTests
{
    private const string SecondSlackOperator = "U0SECOND";

    private static ChatopsService Start(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { [$"ControlApi:Chatops:Users:slack:{SecondSlackOperator}"] = "operator" };
        foreach (var (key, value) in more ?? []) settings[key] = value;
        return new ChatopsService(settings);
    }

    private static async Task HoldDangerousChangesAsync(ChatopsService service)
    {
        var admin = service.Factory.CreateClient(Role.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/clusters/local/policy", Json("""{"approvals":{"dangerous":1,"approvers":"operator"}}"""))).StatusCode);
    }

    [Fact]
    public async Task A_held_change_is_posted_to_Slack_with_Approve_and_Reject_buttons()
    {
        using var service = Start();
        await HoldDangerousChangesAsync(service);

        var answer = await service.SlackReplyAsync("enable host-firewall");

        Assert.Equal("in_channel", answer.ResponseType());
        Assert.Contains("Revision 1 of `local` waits for approval", answer.AllText());
        var actions = answer["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!["elements"]!.AsArray();
        Assert.Equal(["approve", "reject"], actions.Select(a => (string)a!["action_id"]!));
        Assert.All(actions, a => Assert.Equal(("button", "local:1"), ((string)a!["type"]!, (string)a["value"]!)));
        Assert.Equal("PendingApproval", (string?)(await service.RevisionAsync(1))["state"]);
    }

    [Fact]
    public async Task A_Slack_button_click_with_a_bad_signature_is_refused_with_401_and_with_a_good_one_approves()
    {
        using var service = Start();
        await HoldDangerousChangesAsync(service);
        await service.SlackReplyAsync("enable host-firewall");
        var body = InteractionBody(SecondSlackOperator, "coyote", "approve", "local:1");
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var forged = await SendInteractionAsync(service, body, at, ChatSigning.Slack("not-the-signing-secret", at, body));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("PendingApproval", (string?)(await service.RevisionAsync(1))["state"]);

        var signed = await SendInteractionAsync(service, body, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, body));

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Contains("approved (coyote)", (await signed.ReadJsonAsync()).AllText());
        var committed = await service.WaitForStateAsync(1, "Committed");
        Assert.Equal("coyote", (string?)committed["approval"]!["approvals"]![0]!["person"]);
        // The same signed click again is a replay.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendInteractionAsync(service, body, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, body))).StatusCode);
        var granted = Assert.Single(await service.AuditAsync(), e => e.Kind == AuditKinds.ApprovalGranted);
        Assert.Equal(("slack", "chatops", "coyote"), (granted.Actor, granted.Source, granted.Person));
    }

    [Fact]
    public async Task The_author_clicking_Approve_in_Slack_is_refused_and_Reject_withdraws_with_a_reason_naming_them()
    {
        using var service = Start();
        await HoldDangerousChangesAsync(service);
        await service.SlackReplyAsync("enable host-firewall");
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var own = InteractionBody(ChatopsService.SlackOperator, "roadrunner", "approve", "local:1");
        var refused = await (await SendInteractionAsync(service, own, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, own))).ReadJsonAsync();
        Assert.Contains("needs someone else to approve it", refused.AllText());

        var withdraw = InteractionBody(ChatopsService.SlackOperator, "roadrunner", "reject", "local:1");
        Assert.Equal(HttpStatusCode.OK, (await SendInteractionAsync(service, withdraw, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, withdraw))).StatusCode);
        var revision = await service.RevisionAsync(1);
        Assert.Equal("Rejected", (string?)revision["state"]);
        Assert.Contains("rejected in Slack by roadrunner", (string?)revision["stateReason"]);
    }

    [Fact]
    public async Task Mattermost_approve_by_another_person_lets_the_change_go_ahead()
    {
        using var service = Start();
        await HoldDangerousChangesAsync(service);
        await service.SlackReplyAsync("enable host-firewall");

        var answer = await (await service.MattermostAsync("approve 1")).ReadJsonAsync();

        Assert.Contains("is approved (wile.e)", (string?)answer["text"]);
        await service.WaitForStateAsync(1, "Committed");
    }

    [Fact]
    public async Task A_chat_account_mapped_to_the_authors_person_cannot_approve_and_reject_needs_a_reason()
    {
        using var service = Start(new() { [$"ControlApi:Chatops:People:mattermost:{ChatopsService.MattermostOperator}"] = "roadrunner" });
        await HoldDangerousChangesAsync(service);
        await service.SlackReplyAsync("enable host-firewall");

        var refused = await (await service.MattermostAsync("approve 1")).ReadJsonAsync();
        Assert.Contains("requested by roadrunner", (string?)refused["text"]);
        var noReason = await (await service.MattermostAsync("reject 1")).ReadJsonAsync();
        Assert.Contains("Say why", (string?)noReason["text"]);
        Assert.Equal("PendingApproval", (string?)(await service.RevisionAsync(1))["state"]);
    }

    /// <summary>What Slack posts when a button is clicked: form field <c>payload</c>, a block_actions JSON.</summary>
    private static string InteractionBody(string userId, string userName, string actionId, string value)
    {
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = userId, ["username"] = userName, ["name"] = userName, ["team_id"] = "T1DC2JH3J" },
            ["api_app_id"] = "A0CONTROLAPI",
            ["token"] = "xyzz0WbapA4vBCDEFasx0q6G",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = "1548261231.000200", ["channel_id"] = "C0CILIUM", ["is_ephemeral"] = false },
            ["trigger_id"] = "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
            ["team"] = new JsonObject { ["id"] = "T1DC2JH3J", ["domain"] = "fleet" },
            ["channel"] = new JsonObject { ["id"] = "C0CILIUM", ["name"] = "cilium" },
            ["response_url"] = "https://hooks.slack.com/actions/T1DC2JH3J/548270425990/Vg2cGHdE7pMnN2KBxQbNF8Gq",
            ["actions"] = new JsonArray(new JsonObject
            {
                ["action_id"] = actionId, ["block_id"] = "decision", ["type"] = "button", ["value"] = value,
                ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = actionId == "approve" ? "Approve" : "Reject" },
                ["action_ts"] = "1548426417.840180",
            }),
        };
        return ChatSigning.Form(("payload", payload.ToJsonString()));
    }

    private static Task<HttpResponseMessage> SendInteractionAsync(ChatopsService service, string body, string timestamp, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/slack/interactions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", signature);
        return service.Client.SendAsync(request);
    }
}
