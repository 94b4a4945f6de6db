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
}
