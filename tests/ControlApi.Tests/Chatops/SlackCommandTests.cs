using System.Net;
using System.Text.Json;
using ControlApi.Commits;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Chatops;

/// <summary>Slack slash commands end to end: signed request in, Block Kit out, the same change path as the API.</summary>
public sealed class SlackCommandTests
{
    [Fact]
    public async Task A_signed_enable_lands_as_a_revision_on_behalf_of_the_chat_user_and_as_a_commit()
    {
        using var service = new ChatopsService();

        var answer = await service.SlackReplyAsync("enable host-firewall audit host policies first");

        Assert.Equal("in_channel", answer.ResponseType());
        Assert.Contains("Revision 1 of `local` accepted: enable host-firewall", answer.AllText());
        Assert.Contains("host-firewall-audit-first", answer.AllText()); // the rule's warning travels with the answer
        var revision = await service.WaitForStateAsync(1, "Committed");
        Assert.Equal("slack", (string)revision["author"]!);
        Assert.Equal("roadrunner (U0OPERATOR)", (string)revision["onBehalfOf"]!);
        Assert.Equal("chatops", (string)revision["source"]!);
        Assert.Equal("audit host policies first", (string)revision["reason"]!);
        Assert.True((bool)revision["settings"]!["hostFirewall"]!["enabled"]!);

        var sha = (string)revision["commitSha"]!;
        Assert.Equal(sha, (await service.Git.RunAsync(service.Remote, "rev-parse", "main")).Trim());
        var message = await service.Git.RunAsync(service.Remote, "log", "-1", "--format=%B", sha);
        Assert.Contains("enable host-firewall", message);
        Assert.Contains("roadrunner (U0OPERATOR)", message);

        var audit = await service.AuditAsync();
        var accepted = Assert.Single(audit, e => e.Kind == "change.accepted");
        Assert.Equal(("slack", "chatops"), (accepted.Actor, accepted.Source));
        Assert.Contains("roadrunner (U0OPERATOR)", accepted.DetailsJson);
        var command = Assert.Single(audit, e => e.Kind == "chatops.command");
        Assert.Equal(("slack", "chatops", "local", 1), (command.Actor, command.Source, command.ClusterId, command.Revision));
        Assert.Contains("U0OPERATOR", command.DetailsJson);
    }

    [Fact]
    public async Task Slacks_plus_encoded_spaces_and_escaped_characters_are_read_as_typed()
    {
        using var service = new ChatopsService();
        const string body = "team_id=T1DC2JH3J&channel_id=C0CILIUM&user_id=U0OPERATOR&user_name=roadrunner&command=%2Fcontrolapi"
            + "&text=enable+bgp-control+local" // a near-miss feature name, to see the words arrive split
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F2%2F3";
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var misuse = await (await service.SendSlackAsync(body, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, body))).ReadJsonAsync();
        Assert.Contains("`bgp-control` is not a feature", misuse.AllText());

        var change = body.Replace("enable+bgp-control+local", "disable+l7-proxy+local+R%26D+asked+%26lt%3Bnicely%26gt%3B", StringComparison.Ordinal);
        var accepted = await service.SendSlackAsync(change, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, change));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("R&D asked <nicely>", (string)(await service.RevisionAsync(1))["reason"]!);
    }

    [Fact]
    public async Task The_answer_comes_back_while_the_commit_is_still_held_and_the_outcome_is_posted_to_the_response_url_later()
    {
        var gate = new CommitGate();
        await using var receiver = await ResponseUrlReceiver.StartAsync();
        using var service = new ChatopsService(services: s => s.HookAfterPush(gate.AfterPushAsync));

        // The commit job is held after its push until the test opens the gate, so the revision cannot
        // be Committed before the answer: the request never waits for git.
        var answer = await service.SlackReplyAsync("enable encryption", responseUrl: receiver.ResponseUrl);

        Assert.Equal("in_channel", answer.ResponseType());
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(45));
        Assert.Equal("Accepted", (string)(await service.RevisionAsync(1))["state"]!);
        Assert.Equal(0, receiver.Received);

        gate.Open.SetResult();

        var post = await receiver.NextAsync();
        var revision = await service.WaitForStateAsync(1, "Committed");
        Assert.Equal("in_channel", post.ResponseType());
        Assert.False((bool)post["replace_original"]!);
        Assert.Contains($"Revision 1 of `local` committed as `{((string)revision["commitSha"]!)[..12]}`", post.AllText());
        Assert.Contains("not connected", post.AllText()); // no Kubernetes: the story ends at the commit, and says so
    }

    [Fact]
    public async Task A_response_url_on_a_host_that_is_not_allowed_gets_no_follow_up()
    {
        using var capture = new LogCapture();
        using var service = new ChatopsService(services: capture.Register);

        var answer = await service.SlackReplyAsync("enable encryption", responseUrl: "https://metadata.internal.example/commands/1/2/3");

        Assert.Equal("in_channel", answer.ResponseType());
        Assert.Contains("response_url host metadata.internal.example is not allowed", capture.AllText);
    }

    [Fact]
    public async Task A_bad_signature_a_stale_timestamp_and_a_replay_are_refused_with_401_and_audited()
    {
        using var service = new ChatopsService();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var forged = await service.SlackAsync("enable host-firewall", secret: "not-the-signing-secret");
        var stale = await service.SlackAsync("enable host-firewall", timestamp: now - 301);
        var body = ChatopsService.SlackBody("enable host-firewall");
        var at = now.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = ChatSigning.Slack(ChatopsService.SlackSecret, at, body);
        var original = await service.SendSlackAsync(body, at, signature);
        var replay = await service.SendSlackAsync(body, at, signature);
        var unsigned = await service.Client.PostAsync("/api/v1/chatops/slack", new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("application/problem+json", replay.Content.Headers.ContentType!.MediaType);
        Assert.Equal(1, await service.CurrentRevisionAsync());

        var denials = (await service.AuditAsync()).Where(e => e.Kind == "auth.denied").ToList();
        Assert.Equal(4, denials.Count);
        Assert.All(denials, d => Assert.Equal(("slack", "chatops"), (d.Actor, d.Source)));
        Assert.Contains(denials, d => d.Summary.Contains("does not match", StringComparison.Ordinal));
        Assert.Contains(denials, d => d.Summary.Contains("too far from now", StringComparison.Ordinal));
        Assert.Contains(denials, d => d.Summary.Contains("already received", StringComparison.Ordinal));
        Assert.Contains(denials, d => d.Summary.Contains("no signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_signing_secret_the_Slack_endpoint_is_off()
    {
        using var service = new ChatopsService(new() { ["ControlApi:Chatops:Slack:SigningSecret"] = null });

        var response = await service.SlackAsync("status");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("urn:controlapi:problem:chatops-not-configured", (string)(await response.ReadJsonAsync())["type"]!);
    }

    [Fact]
    public async Task A_viewer_asking_for_a_change_is_told_no_and_the_refusal_is_audited()
    {
        using var service = new ChatopsService();

        var answer = await service.SlackReplyAsync("enable host-firewall", ChatopsService.SlackViewer);
        var rollback = await service.SlackReplyAsync("rollback 0", ChatopsService.SlackViewer);
        var read = await service.SlackReplyAsync("features", ChatopsService.SlackViewer);

        Assert.Equal("ephemeral", answer.ResponseType());
        Assert.Contains("`enable` needs the operator role", answer.AllText());
        Assert.Contains("recorded in the audit log", answer.AllText());
        Assert.Contains("`rollback` needs the operator role", rollback.AllText());
        Assert.Contains("Features of `local`", read.AllText());
        Assert.Equal(0, await service.CurrentRevisionAsync());
        var denied = (await service.AuditAsync()).Where(e => e.Kind == "auth.denied").ToList();
        Assert.Equal(2, denied.Count);
        Assert.All(denied, d => Assert.Equal(("slack", "chatops", "local"), (d.Actor, d.Source, d.ClusterId)));
        using var details = JsonDocument.Parse(denied[0].DetailsJson);
        Assert.Equal("U0VIEWER", details.RootElement.GetProperty("userId").GetString());
        Assert.Equal("viewer", details.RootElement.GetProperty("role").GetString());
        Assert.Equal("operator", details.RootElement.GetProperty("required").GetString());
    }

    [Fact]
    public async Task Unknown_users_are_viewers_by_default_and_refused_outright_when_configured()
    {
        using (var lenient = new ChatopsService())
        {
            Assert.Contains("Features of `local`", (await lenient.SlackReplyAsync("features", "U0STRANGER")).AllText());
            Assert.Contains("needs the operator role", (await lenient.SlackReplyAsync("enable bgp", "U0STRANGER")).AllText());
        }

        using var strict = new ChatopsService(new() { ["ControlApi:Chatops:UnknownUsers"] = "deny" });
        var answer = await strict.SlackReplyAsync("status", "U0STRANGER");
        Assert.Equal("ephemeral", answer.ResponseType());
        Assert.Contains("You may not use ControlApi from chat", answer.AllText());
        Assert.Contains("`U0STRANGER`", answer.AllText());
        Assert.Contains("has no revisions yet", (await strict.SlackReplyAsync("status")).AllText()); // a mapped user still may
        Assert.Single(await strict.AuditAsync(), e => e.Kind == "auth.denied");
    }

    [Fact]
    public async Task Every_command_answers_through_HTTP()
    {
        using var service = new ChatopsService();

        var help = await service.SlackReplyAsync("help");
        Assert.Equal("ephemeral", help.ResponseType());
        Assert.Contains("`rollback &lt;revision&gt; [cluster] [reason…]`", help.AllText()); // Slack's escaping of < and >
        Assert.Contains("Default cluster: `local`", help.AllText());

        var unknown = await service.SlackReplyAsync("teleport the pods");
        Assert.Equal("ephemeral", unknown.ResponseType());
        Assert.Contains("I don't know `teleport`", unknown.AllText());
        Assert.Contains("`status [cluster]`", unknown.AllText());

        var fresh = await service.SlackReplyAsync("status");
        Assert.Contains("`local` has no revisions yet", fresh.AllText());
        Assert.Contains("not connected", fresh.AllText());

        var plan = await service.SlackReplyAsync("plan hubble off");
        Assert.Contains("Plan: disable `hubble` on `local` — allowed", plan.AllText());
        Assert.Contains("would disable hubble", plan.AllText());
        Assert.Contains("disruptive — restarts the Cilium agents", plan.AllText());
        Assert.Equal(0, await service.CurrentRevisionAsync());

        var refusedPlan = await service.SlackReplyAsync("plan hubble-ui on");
        Assert.Contains("refused by the rules", refusedPlan.AllText());

        var enable = await service.SlackReplyAsync("enable host-firewall on local");
        Assert.Equal("in_channel", enable.ResponseType());
        Assert.Contains("dangerous — can cut nodes or pods off", enable.AllText());
        Assert.Contains("`hostFirewall.enabled` An enforcing host firewall drops", enable.AllText());
        await service.WaitForStateAsync(1, "Committed");

        var again = await service.SlackReplyAsync("enable host-firewall");
        Assert.Equal("ephemeral", again.ResponseType());
        Assert.Contains("Nothing to do", again.AllText());

        var status = await service.SlackReplyAsync("status local");
        Assert.Contains("`local` is at revision 1 (Committed)", status.AllText());
        Assert.Contains("roadrunner (U0OPERATOR)", status.AllText());
        var sha = (string)(await service.RevisionAsync(1))["commitSha"]!;
        Assert.Contains(sha[..12], status.AllText());
        Assert.Contains("`host-firewall`", status.AllText());

        var features = await service.SlackReplyAsync("features");
        Assert.Contains("✅ `host-firewall` on", features.AllText());
        Assert.Contains("▫️ `bgp` off", features.AllText());

        var disable = await service.SlackReplyAsync("disable l7-proxy no L7 policies");
        Assert.Contains("Revision 2 of `local` accepted: disable l7-proxy", disable.AllText());

        var rollback = await service.SlackReplyAsync("rollback 0 back to the defaults");
        Assert.Equal("in_channel", rollback.ResponseType());
        Assert.Contains("Revision 3 of `local` accepted: disable host-firewall, enable l7-proxy", rollback.AllText());
        var third = await service.RevisionAsync(3);
        Assert.Equal("rollback to 0: back to the defaults", (string)third["reason"]!);
        Assert.Equal("roadrunner (U0OPERATOR)", (string)third["onBehalfOf"]!);

        var history = await service.SlackReplyAsync("history");
        var lines = history.AllText();
        Assert.True(lines.IndexOf("#3", StringComparison.Ordinal) < lines.IndexOf("#2", StringComparison.Ordinal));
        // Revision 1 is Committed, or Superseded once revision 2's commit landed (there is no cluster to converge on).
        Assert.Matches("#1 (Committed|Superseded)", lines);
        Assert.Contains("enable host-firewall", lines);

        var missing = await service.SlackReplyAsync("rollback 9");
        Assert.Contains("`local` has no revision 9", missing.AllText());

        var otherCluster = await service.SlackReplyAsync("status goldentooth");
        Assert.Contains("No cluster `goldentooth`", otherCluster.AllText());

        var commands = (await service.AuditAsync()).Count(e => e.Kind == "chatops.command");
        Assert.Equal(14, commands);
    }

    [Fact]
    public async Task A_change_the_rules_refuse_comes_back_as_a_list_of_codes_and_messages_and_stores_nothing()
    {
        using var service = new ChatopsService();

        var answer = await service.SlackReplyAsync("enable hubble-ui");

        Assert.Equal("ephemeral", answer.ResponseType());
        var text = answer.AllText();
        Assert.Contains("`local` refused the change", text);
        Assert.Contains("nothing was stored", text);
        Assert.Matches(@"❌ `[a-z0-9-]+` \S", text);
        Assert.Equal(0, await service.CurrentRevisionAsync());
        var rejected = Assert.Single(await service.AuditAsync(), e => e.Kind == "change.rejected");
        Assert.Equal(("slack", "chatops"), (rejected.Actor, rejected.Source));
    }

    [Fact]
    public async Task Several_clusters_without_a_default_need_the_cluster_named()
    {
        using var service = new ChatopsService(new()
        {
            ["ControlApi:Clusters:1:Id"] = "goldentooth",
            ["ControlApi:Clusters:1:GitOps:Repository"] = "goldentooth.git",
        });

        var answer = await service.SlackReplyAsync("enable encryption");
        Assert.Contains("Which cluster?", answer.AllText());
        Assert.Contains("`goldentooth`", answer.AllText());

        var typo = await service.SlackReplyAsync("enable encryption goldentoth");
        Assert.Contains("looks like the cluster `goldentooth`", typo.AllText());
        Assert.Equal(0, await service.CurrentRevisionAsync());

        var named = await service.SlackReplyAsync("status goldentooth");
        Assert.Contains("`goldentooth` has no revisions yet", named.AllText());
    }

    [Fact]
    public async Task A_default_cluster_that_is_not_configured_stops_the_start()
    {
        using var service = new ChatopsService(new() { ["ControlApi:Chatops:DefaultCluster"] = "nowhere" });

        var failure = Assert.ThrowsAny<Exception>(() => service.Factory.Services);
        Assert.Contains("ControlApi:Chatops:DefaultCluster 'nowhere'", failure.ToString());
    }

    /// <summary>Holds the commit job right after its push until the test opens it.</summary>
    private sealed class CommitGate
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task AfterPushAsync(ControlApi.GitOps.PublishResult pushed, CancellationToken cancellationToken)
        {
            Reached.TrySetResult();
            await Open.Task.WaitAsync(cancellationToken);
        }
    }
}
