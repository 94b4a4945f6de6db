using ControlApi.Core.Clusters;
using ControlApi.Core.Observation;

namespace ControlApi.Core.Tests.Observation;

public sealed class RolloutAndSampleTests
{
    private static readonly ObjectRef Cilium = new("kube-system", "cilium");

    private static DaemonSetStatus Ds(long generation, long observed, int desired, int updated, int ready, int available) =>
        new(Cilium, true, generation, observed, desired, desired, updated, ready, available, desired - available);

    public static TheoryData<string, DaemonSetStatus, RolloutPhase, int> Cases => new()
    {
        { "every node updated, ready and available", Ds(5, 5, 17, 17, 17, 17), RolloutPhase.Complete, 4 },
        { "controller lagging behind the new generation", Ds(6, 5, 17, 17, 17, 17), RolloutPhase.Pending, 4 },
        { "controller ahead of what was read", Ds(5, 6, 17, 17, 17, 17), RolloutPhase.Complete, 4 },
        { "half the nodes updated", Ds(6, 6, 17, 9, 16, 16), RolloutPhase.Progressing, 2 },
        { "all updated, one not ready yet", Ds(6, 6, 17, 17, 16, 16), RolloutPhase.Progressing, 4 },
        { "all updated and ready, one not available yet", Ds(6, 6, 17, 17, 17, 16), RolloutPhase.Progressing, 4 },
        { "four of seventeen: not a quarter yet", Ds(6, 6, 17, 4, 17, 17), RolloutPhase.Progressing, 0 },
        { "missing", DaemonSetStatus.Missing(Cilium), RolloutPhase.Missing, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_DaemonSet_is_rolled_out_only_when_every_counter_agrees(string situation, DaemonSetStatus ds, RolloutPhase phase, int quarter)
    {
        var progress = RolloutEvaluator.Determine(ds);
        Assert.True(phase == progress.Phase, $"{situation}: {progress.Phase}");
        Assert.True(quarter == progress.Quarter, $"{situation}: quarter {progress.Quarter}");
    }

    [Fact]
    public void Any_moving_counter_changes_the_signature()
    {
        var before = RolloutEvaluator.Determine(Ds(6, 6, 17, 9, 16, 16)).Signature;
        Assert.NotEqual(before, RolloutEvaluator.Determine(Ds(6, 6, 17, 9, 17, 16)).Signature);
        Assert.NotEqual(before, RolloutEvaluator.Determine(Ds(6, 6, 17, 10, 16, 16)).Signature);
        Assert.Equal(before, RolloutEvaluator.Determine(Ds(6, 6, 17, 9, 16, 16)).Signature);
    }

    [Fact]
    public void The_poll_sample_is_bounded_spread_and_rotating()
    {
        var agents = Enumerable.Range(0, 5000).ToList();
        var first = AgentSample.Pick(agents, 20, rotation: 0);
        var next = AgentSample.Pick(agents, 20, rotation: 1);
        Assert.Equal(20, first.Count);
        Assert.Equal(20, first.Distinct().Count());
        Assert.True(first.Max() - first.Min() > 4000, "spread over the whole fleet");
        Assert.NotEqual(first, next);
        Assert.Equal(Enumerable.Range(0, 17), AgentSample.Pick(Enumerable.Range(0, 17).ToList(), 20, 3));
    }
}
