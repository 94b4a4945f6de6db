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
        // The rollout halts on purpose while the watches expire: it must not be declared stuck (the
        // tracker would end, and nothing would list again) however slowly a loaded machine gets there.
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:RolloutProgressDeadline"] = "00:05:00" });
        cluster.Simulator.StickRolloutAfter(8);
        await cluster.PutSettingsAsync("""{"encryption":{"enabled":true,"type":"wireguard"}}""");
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.RolloutStuck, TimeSpan.FromSeconds(60));
        await Eventually.WaitAsync(() => cluster.AuditAsync(AuditKinds.RolloutProgress)!, e => e!.Count >= 1, TimeSpan.FromSeconds(30), "the rollout to be followed");
        var lists = cluster.Server.Requests["list", "kustomizations.kustomize.toolkit.fluxcd.io"];

        // etcd compaction outruns the watchers: every open watch closes and its resourceVersion is gone.
        // A real cluster writes all the time (leases, events), so the watchers' versions are behind the
        // compaction point; one unrelated write makes sure of that here — a watcher whose version is
        // the current one (a bookmark just brought it there) may resume without a 410, as with etcd.
        cluster.Server.Store.Create(ControlApi.TestCluster.Api.KubernetesResources.ConfigMaps, new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "unrelated", ["namespace"] = "default" },
        });
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
