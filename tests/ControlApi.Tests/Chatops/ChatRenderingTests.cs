using ControlApi.Tracking;
using ControlApi.Chatops;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Revisions;

namespace ControlApi.Tests.Chatops;

/// <summary>How answers look on each platform, where chat can be abused, and when follow-ups are posted.</summary>
public sealed class ChatRenderingTests
{
    private static ChatReply Reply(string headline, params ChatBlock[] blocks) => new(ChatVisibility.OnlyYou, ChatTone.Info, headline, blocks);

    [Fact]
    public void Block_Kit_escapes_what_users_typed_so_it_cannot_mention_the_channel_or_link()
    {
        var message = BlockKitRenderer.Render(Reply("I don't know `<!channel>`", new ChatBlock.Paragraph("<https://evil.example|click> & more")));
        var texts = message.Blocks.Select(b => b.Text?.Text).ToList();

        Assert.Equal("ephemeral", message.ResponseType);
        Assert.Contains("&lt;!channel&gt;", texts[0]);
        Assert.Equal("&lt;https://evil.example|click&gt; &amp; more", texts[1]);
        Assert.DoesNotContain(texts, t => t!.Contains('<'));
    }

    [Fact]
    public void Block_Kit_stays_within_Slacks_limits()
    {
        var facts = Enumerable.Range(1, 25).Select(i => new ChatFact($"label {i}", new string('x', 3000))).ToList();
        var bullets = Enumerable.Range(1, 400).Select(i => $"item {i} " + new string('y', 100)).ToList();
        var message = BlockKitRenderer.Render(new ChatReply(ChatVisibility.Channel, ChatTone.Success, new string('h', 5000),
            [new ChatBlock.Facts(facts), new ChatBlock.Bullets(bullets)]));

        Assert.Equal("in_channel", message.ResponseType);
        Assert.True(message.Blocks.Count <= 50);
        Assert.All(message.Blocks, b => Assert.True((b.Text?.Text.Length ?? 0) <= 3000));
        Assert.All(message.Blocks, b => Assert.True((b.Fields?.Count ?? 0) <= 10));
        Assert.All(message.Blocks.SelectMany(b => b.Fields ?? []), f => Assert.True(f.Text.Length <= 2000));
        Assert.True(message.Text.Length <= 3000);
    }

    [Fact]
    public void Teams_text_cannot_carry_a_mention_and_Mattermost_keeps_the_visibility()
    {
        var reply = new ChatReply(ChatVisibility.Channel, ChatTone.Success, "done", [new ChatBlock.Paragraph("<at>everyone</at>")]);
        var teams = MarkdownRenderer.Teams(reply);
        Assert.Equal("message", teams.Type);
        Assert.Contains("&lt;at&gt;everyone&lt;/at&gt;", teams.Text);
        Assert.Equal("in_channel", MarkdownRenderer.Mattermost(reply).ResponseType);
    }

    [Theory]
    [InlineData("https://hooks.slack.com/commands/T1/2/abc", true)]
    [InlineData("https://HOOKS.SLACK.COM/commands/T1/2/abc", true)]
    [InlineData("http://hooks.slack.com/commands/T1/2/abc", false)]
    [InlineData("https://hooks.slack.com.evil.example/commands", false)]
    [InlineData("https://user:pw@hooks.slack.com/commands", false)]
    [InlineData("https://169.254.169.254/latest/meta-data", false)]
    [InlineData("http://127.0.0.1:8080/commands", false)]
    [InlineData("not a url", false)]
    [InlineData(null, false)]
    public void Follow_ups_go_only_to_https_on_an_allowed_host(string? url, bool allowed) =>
        Assert.Equal(allowed, ResponseUrlPolicy.IsAllowed(url, ["hooks.slack.com"]));

    [Theory]
    [InlineData("http://127.0.0.1:8080/commands", true)]
    [InlineData("http://localhost:8080/commands", false)]
    [InlineData("http://10.0.0.8/commands", false)]
    public void Plain_http_is_allowed_only_for_a_listed_loopback_host(string url, bool allowed) =>
        Assert.Equal(allowed, ResponseUrlPolicy.IsAllowed(url, ["127.0.0.1", "10.0.0.8"]));

    public static TheoryData<RevisionState, RevisionState?, bool, bool, bool> Steps => new()
    {
        // state now, reported before, cluster tracked → posts?, finished?
        { RevisionState.Accepted, null, false, false, false },
        { RevisionState.CommitFailed, null, false, true, false },
        { RevisionState.CommitFailed, RevisionState.CommitFailed, false, false, false },
        { RevisionState.Committed, RevisionState.CommitFailed, false, true, true },
        { RevisionState.Committed, null, true, true, false },
        { RevisionState.Committed, RevisionState.Committed, true, false, false },
        { RevisionState.Applied, RevisionState.Committed, true, true, false },
        { RevisionState.RolledOut, RevisionState.Applied, true, true, false },
        { RevisionState.RolledOut, RevisionState.RolledOut, true, false, false },
        { RevisionState.Verified, RevisionState.Committed, true, true, true },
        { RevisionState.VerificationFailed, RevisionState.Committed, true, true, true },
        { RevisionState.NoChange, null, false, true, true },
        { RevisionState.Superseded, RevisionState.Committed, true, true, true },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void Follow_ups_post_milestones_and_stop_where_nothing_more_will_happen(RevisionState state, RevisionState? reported, bool tracked, bool posts, bool finished)
    {
        var now = DateTimeOffset.Parse("2026-11-30T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, now.AddMinutes(-1), now.AddMinutes(29), reported);

        var step = FollowUpDecision.Decide(followUp, Revision(state), new LiveStatus(tracked, tracked, "summary", []), now);

        Assert.Equal(posts, step.Post is not null);
        Assert.Equal(finished, step.Finished);
        if (step.Post is { } post) Assert.Equal(ChatVisibility.Channel, post.Visibility);
    }

    [Fact]
    public void Follow_ups_end_at_the_deadline_saying_where_the_revision_is()
    {
        var now = DateTimeOffset.Parse("2026-11-30T10:30:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, now.AddMinutes(-30), now, RevisionState.Applied);

        var step = FollowUpDecision.Decide(followUp, Revision(RevisionState.Applied), new LiveStatus(true, true, "", []), now);

        Assert.True(step.Finished);
        Assert.Contains("still Applied after 30 min", step.Post!.Headline);
    }

    [Fact]
    public void Follow_ups_stop_when_Slacks_five_posts_are_spent()
    {
        var now = DateTimeOffset.UtcNow;
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, now, now.AddMinutes(30), RevisionState.CommitFailed, Posts: 4);

        var step = FollowUpDecision.Decide(followUp, Revision(RevisionState.Committed), new LiveStatus(true, true, "", []), now);

        Assert.NotNull(step.Post);
        Assert.True(step.Finished);
    }

    [Fact]
    public void A_failure_answered_by_an_automatic_rollback_is_told_with_the_rollback_and_its_revision_is_followed_next()
    {
        var now = DateTimeOffset.Parse("2026-11-30T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, now.AddMinutes(-1), now.AddMinutes(29), RevisionState.Committed, Posts: 1);
        var failed = Revision(RevisionState.ReconcileFailed);

        // Failure and rollback seen at the same look: one post, then revision 5 is followed.
        var both = FollowUpDecision.Decide(followUp, failed, new LiveStatus(true, true, "", []), now, new RollbackNews(true, new AutomaticRollbackRecord(4, 2, 5, null)));
        Assert.Equal("Revision 4 of `local` failed and is rolled back automatically as revision 5", both.Post!.Headline);
        Assert.Contains("It failed: ReconcileFailed. because", Text(both.Post));
        Assert.True(both.Finished);
        Assert.Equal(5, both.FollowNext);

        // The failure first, while the rollback is not made yet: the follow-up keeps looking for it.
        var first = FollowUpDecision.Decide(followUp, failed, new LiveStatus(true, true, "", []), now, new RollbackNews(true, null));
        Assert.EndsWith("failed: ReconcileFailed", first.Post!.Headline);
        Assert.False(first.Finished);
        Assert.True(first.AwaitingRollback);
        var told = followUp with { Reported = RevisionState.ReconcileFailed, Posts = 2 };
        var waiting = FollowUpDecision.Decide(told, failed, new LiveStatus(true, true, "", []), now, new RollbackNews(true, null));
        Assert.Null(waiting.Post);
        Assert.False(waiting.Finished);
        var later = FollowUpDecision.Decide(told, failed, new LiveStatus(true, true, "", []), now, new RollbackNews(true, new AutomaticRollbackRecord(4, 2, null, "settings-stale")));
        Assert.Equal("Revision 4 of `local` failed and its automatic rollback was refused", later.Post!.Headline);
        Assert.DoesNotContain("It failed:", Text(later.Post));
        Assert.Contains("`rollback 2 local`", Text(later.Post));
        Assert.Null(later.FollowNext);
        // No rollback shows within the looks it is given (nothing was ever Verified): the follow-up ends.
        Assert.True(FollowUpDecision.Decide(told with { RollbackLooks = FollowUpDecision.MaxRollbackLooks }, failed, new LiveStatus(true, true, "", []), now, new RollbackNews(true, null)).Finished);
    }

    [Fact]
    public void Following_a_rollback_revision_tells_only_its_end()
    {
        var now = DateTimeOffset.UtcNow;
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, now, now.AddMinutes(30), Posts: 2, EndOnly: true);

        Assert.Null(FollowUpDecision.Decide(followUp, Revision(RevisionState.Applied), new LiveStatus(true, true, "", []), now).Post);
        Assert.EndsWith("is live and verified", FollowUpDecision.Decide(followUp, Revision(RevisionState.Verified), new LiveStatus(true, true, "", []), now).Post!.Headline);
    }

    private static string Text(ChatReply reply) => string.Join("\n", reply.Blocks.Select(b => b switch
    {
        ChatBlock.Paragraph p => p.Text,
        ChatBlock.Note n => n.Text,
        ChatBlock.Bullets l => string.Join("\n", l.Items),
        _ => "",
    }));

    private static RevisionResource Revision(RevisionState state) => new(
        "local", 4, state, "because", CiliumSettings.Defaults, "slack", "roadrunner (U0OPERATOR)", "why", "chatops",
        DateTimeOffset.UtcNow, state is RevisionState.Committed or RevisionState.Applied or RevisionState.Verified ? "0123456789abcdef0123456789abcdef01234567" : null,
        [], [], state == RevisionState.Verified ? 95 : null);
}
