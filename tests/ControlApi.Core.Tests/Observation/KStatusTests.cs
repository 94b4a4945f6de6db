using ControlApi.Core.Observation;
using static ControlApi.Core.Tests.Observation.FluxFixtures;

namespace ControlApi.Core.Tests.Observation;

public sealed class KStatusTests
{
    public static TheoryData<string, FluxObjectStatus, KStatusResult, bool> Cases => new()
    {
        { "ready at its generation", ReleaseReady(3), KStatusResult.Current, true },
        { "generation not observed", ReleaseReady(3, observed: 2), KStatusResult.InProgress, false },
        { "Ready observed for an older generation", ReleaseReady(3, readyObserved: 2), KStatusResult.Current, false },
        { "reconciling", ReleaseUpgrading(3, 3), KStatusResult.InProgress, false },
        { "stalled", ReleaseFailed(3, stalled: true), KStatusResult.Failed, false },
        { "Ready=False", ReleaseFailed(3), KStatusResult.InProgress, false },
        { "missing", FluxObjectStatus.Missing(FluxKind.HelmRelease, HelmReleaseRef), KStatusResult.NotFound, false },
        { "terminating", ReleaseReady(3) with { Terminating = true }, KStatusResult.Terminating, false },
        { "never observed", new FluxObjectStatus(FluxKind.HelmRelease, HelmReleaseRef, true, 0, 0, []), KStatusResult.Current, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Objects_are_current_and_ready_by_the_kstatus_rules(string situation, FluxObjectStatus status, KStatusResult expected, bool ready)
    {
        Assert.True(expected == KStatus.Compute(status), situation);
        Assert.True(ready == KStatus.IsReady(status), situation);
    }
}
