using ControlApi.Core.Revisions;

namespace ControlApi.Core.Tests.Revisions;

public sealed class RevisionWaitTests
{
    [Theory]
    [InlineData(RevisionState.Verified, RevisionState.Accepted, null)]
    [InlineData(RevisionState.Verified, RevisionState.RolledOut, null)]
    [InlineData(RevisionState.Verified, RevisionState.Verified, WaitOutcome.Reached)]
    [InlineData(RevisionState.Committed, RevisionState.Applied, WaitOutcome.Reached)]
    [InlineData(RevisionState.Accepted, RevisionState.Verified, WaitOutcome.Reached)]
    [InlineData(RevisionState.Verified, RevisionState.CommitFailed, WaitOutcome.Failed)]
    [InlineData(RevisionState.Verified, RevisionState.ReconcileFailed, WaitOutcome.Failed)]
    [InlineData(RevisionState.Verified, RevisionState.RolloutStuck, WaitOutcome.Failed)]
    [InlineData(RevisionState.Verified, RevisionState.VerificationFailed, WaitOutcome.Failed)]
    [InlineData(RevisionState.Committed, RevisionState.NoChange, WaitOutcome.Failed)]
    [InlineData(RevisionState.Applied, RevisionState.Superseded, WaitOutcome.Failed)]
    // A canary waits at CanaryVerified until it is promoted; a wait for Verified goes on through it.
    [InlineData(RevisionState.CanaryVerified, RevisionState.Canary, null)]
    [InlineData(RevisionState.CanaryVerified, RevisionState.CanaryVerified, WaitOutcome.Reached)]
    [InlineData(RevisionState.Verified, RevisionState.CanaryVerified, null)]
    [InlineData(RevisionState.Committed, RevisionState.Scheduled, null)]
    [InlineData(RevisionState.Accepted, RevisionState.Scheduled, null)]
    [InlineData(RevisionState.Verified, RevisionState.PendingApproval, null)]
    [InlineData(RevisionState.Accepted, RevisionState.PendingApproval, null)]
    [InlineData(RevisionState.Verified, RevisionState.Rejected, WaitOutcome.Failed)]
    [InlineData(RevisionState.Committed, RevisionState.Expired, WaitOutcome.Failed)]
    public void A_wait_ends_when_the_state_or_a_later_one_is_reached_or_the_revision_leaves_the_success_path(
        RevisionState requested, RevisionState current, WaitOutcome? expected) =>
        Assert.Equal(expected, RevisionWait.Judge(requested, current));

    [Fact]
    public void Only_states_of_the_success_path_can_be_waited_for()
    {
        Assert.Equal(["Accepted", "Committed", "Canary", "CanaryVerified", "Applied", "RolledOut", "Verified"], RevisionWait.SuccessPath.Select(s => s.ToString()));
        Assert.False(RevisionWait.CanWaitFor(RevisionState.ReconcileFailed));
        Assert.Throws<ArgumentOutOfRangeException>(() => RevisionWait.Judge(RevisionState.NoChange, RevisionState.Accepted));
    }

    [Fact]
    public void A_scheduled_revision_is_neither_ended_nor_converging_nor_recovering()
    {
        Assert.False(RevisionState.Scheduled.IsTerminal());
        Assert.False(RevisionState.Scheduled.IsConverging());
        Assert.False(RevisionState.Scheduled.MayRecover());
        Assert.False(RevisionWait.CanWaitFor(RevisionState.Scheduled));
    }

    [Theory]
    [InlineData(RevisionState.PendingApproval, false, false)]
    [InlineData(RevisionState.Expired, true, false)]
    [InlineData(RevisionState.Rejected, true, false)]
    [InlineData(RevisionState.Accepted, false, true)]
    [InlineData(RevisionState.Verified, true, true)]
    [InlineData(RevisionState.Superseded, true, true)]
    public void A_held_expired_or_rejected_revision_never_took_effect_and_only_expired_or_rejected_ones_are_over(
        RevisionState state, bool terminal, bool tookEffect)
    {
        Assert.Equal(terminal, state.IsTerminal());
        Assert.Equal(tookEffect, state.TookEffect());
        Assert.False(state.IsConverging() && !tookEffect);
        Assert.Equal(!tookEffect, RevisionStates.NeverInEffectNames.Contains(state.ToString()));
    }
}
