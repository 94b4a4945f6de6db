using ControlApi.Audit;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Simulator;

namespace ControlApi.Tests.Tracking;

public sealed class WatchExpiryTests
{
    [Fact]
    public async Task Expired_watches_are_listed_again_and_the_revision_still_goes_live_with_each_event_once()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        cluster.Simulator.StickRolloutAfter(8);
        await cluster.PutSettingsAsync("""{"encryption":{"enabled":true,"type":"wireguard"}}""");
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.RolloutStuck, TimeSpan.FromSeconds(60));
        await Eventually.WaitAsync(() => cluster.AuditAsync(AuditKinds.RolloutProgress)!, e => e!.Count >= 1, TimeSpan.FromSeconds(30), "the rollout to be followed");
        var lists = cluster.Server.Requests["list", "kustomizations.kustomize.toolkit.fluxcd.io"];

        // etcd compaction outruns the watchers: every open watch closes and its resourceVersion is gone.
        cluster.Server.ExpireWatchHistory();

        await Eventually.WaitAsync(() => Task.FromResult<long?>(cluster.Server.Requests["list", "kustomizations.kustomize.toolkit.fluxcd.io"]),
            n => n > lists, TimeSpan.FromSeconds(30), "the Kustomization watch to list again after 410 Gone");
        cluster.Simulator.StickRolloutAfter(null);

        var revision = await cluster.WaitForStateAsync(1, "Verified");
        Assert.Equal(["Accepted", "Committed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(revision));
        var kinds = (await cluster.AuditAsync(revision: 1)).Select(e => e.Kind).ToList();
        foreach (var kind in new[] { AuditKinds.FluxReconcileRequested, AuditKinds.FluxApplied, AuditKinds.RolloutCompleted, AuditKinds.VerifyPassed })
            Assert.True(kinds.Count(k => k == kind) == 1, $"{kind} recorded {kinds.Count(k => k == kind)} times");
        var progress = (await cluster.AuditAsync(AuditKinds.RolloutProgress)).Select(e => e.Summary[..e.Summary.IndexOf('%', StringComparison.Ordinal)]).ToList();
        Assert.Equal(progress.Distinct(), progress);
    }
}
