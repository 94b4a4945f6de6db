using ControlApi.Canary;
using ControlApi.Chatops;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;

namespace ControlApi.Tests.Canary;

/// <summary>The pure parts of a canary: the step's verdict, when a promotion is allowed, and the chat command.</summary>
public sealed class CanaryDecisionTests
{
    private static readonly DateTimeOffset Since = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private static readonly string[] Three = ["node-03", "node-07", "node-11"];

    [Fact]
    public void Every_canary_node_on_a_new_agent_showing_the_change_passes()
    {
        var decision = CanaryStep.Decide(new CanaryStep.Observation(Three, Three, []), Since, Since.AddSeconds(30), Grace);

        Assert.Equal(Three, Assert.IsType<CanaryStep.Decision.Pass>(decision).Nodes);
    }

    [Fact]
    public void A_node_still_on_its_old_agent_is_waited_for_within_the_grace_period_and_fails_the_canary_after_it()
    {
        var seen = new CanaryStep.Observation(Three, ["node-03", "node-07"], []);

        Assert.Contains("waiting for node-11", Assert.IsType<CanaryStep.Decision.Keep>(CanaryStep.Decide(seen, Since, Since.AddMinutes(4), Grace)).Waiting);
        Assert.Contains("did not come back running within 5 min", Assert.IsType<CanaryStep.Decision.Fail>(CanaryStep.Decide(seen, Since, Since.AddMinutes(6), Grace)).Reason);
    }

    [Fact]
    public void Agents_that_do_not_show_the_change_fail_the_canary_after_the_grace_period_naming_what_they_show()
    {
        var seen = new CanaryStep.Observation(Three, Three, [new VerificationFailure("agents", "cilium-x on node-07 routing.tunnel-protocol", "geneve", "vxlan")]);

        Assert.IsType<CanaryStep.Decision.Keep>(CanaryStep.Decide(seen, Since, Since.AddMinutes(1), Grace));
        var failed = Assert.IsType<CanaryStep.Decision.Fail>(CanaryStep.Decide(seen, Since, Since.AddMinutes(6), Grace));
        Assert.Contains("desired geneve, live vxlan", failed.Reason);
    }

    [Fact]
    public void A_selector_that_matches_no_node_fails_at_once()
    {
        Assert.Contains("matches no node", Assert.IsType<CanaryStep.Decision.Fail>(CanaryStep.Decide(new CanaryStep.Observation([], [], []), Since, Since, Grace)).Reason);
    }

    [Theory]
    [InlineData(RevisionState.CanaryVerified, true, false, 4, null)]
    [InlineData(RevisionState.Canary, true, false, 4, "not verified yet")]
    [InlineData(RevisionState.VerificationFailed, true, false, 4, "the canary failed")]
    [InlineData(RevisionState.Verified, false, false, 4, "not a canary")]
    [InlineData(RevisionState.Committed, true, true, 4, "already promoted")]
    [InlineData(RevisionState.CanaryVerified, true, false, 5, "Revision 5 is newer")]
    [InlineData(RevisionState.Superseded, true, false, 5, "revision 5 is newer")]
    public void Only_the_newest_revision_s_verified_canary_can_be_promoted_and_every_refusal_says_what_to_do(
        RevisionState state, bool canary, bool promoted, int newest, string? said)
    {
        var advice = CanaryPromotion.Advice("local", 4, state, canary, promoted, newest);

        if (said is null) Assert.Null(advice);
        else Assert.Contains(said, advice);
    }

    [Theory]
    [InlineData("promote 4", 4, null)]
    [InlineData("promote #4 on goldentooth", 4, "goldentooth")]
    public void Promote_in_chat_names_a_revision_and_optionally_a_cluster(string text, int revision, string? cluster)
    {
        var command = Assert.IsType<ChatCommand.Promote>(ChatCommandParser.Parse(text, ["goldentooth", "local"]));

        Assert.Equal(revision, command.Revision);
        Assert.Equal(cluster, command.Cluster);
        Assert.Equal(ChatRole.Operator, command.RequiredRole);
    }

    [Theory]
    [InlineData("promote")]
    [InlineData("promote four")]
    [InlineData("promote 4 goldentooth now")]
    public void Promote_in_chat_without_a_revision_or_with_more_words_is_refused(string text) =>
        Assert.IsType<ChatCommand.Invalid>(ChatCommandParser.Parse(text, ["goldentooth", "local"]));
}
