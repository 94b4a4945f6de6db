using ControlApi.Audit;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Simulator;
using ControlApi.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Tracking;

/// <summary>What a revision that does not go live looks like: Flux's reason, a stuck rollout, a newer commit.</summary>
public sealed class FailureTrackingTests
{
    private static readonly string WireGuardOn = """{"encryption":{"enabled":true,"type":"wireguard"}}""";

    [Fact]
    public async Task A_failed_Helm_upgrade_is_ReconcileFailed_with_Flux_reason_and_message()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        const string error = "cannot patch \"cilium\" with kind DaemonSet: admission webhook \"policy.example\" denied the request";
        cluster.Simulator.FailNextUpgrade(error);

        await cluster.PutSettingsAsync(WireGuardOn);

        var revision = await cluster.WaitForStateAsync(1, "ReconcileFailed");
        var reason = (string)revision["stateReason"]!;
        Assert.StartsWith("HelmRelease UpgradeFailed: Helm upgrade failed for release kube-system/cilium with chart cilium@1.18.2", reason);
        Assert.EndsWith(error, reason);
        Assert.Equal(["Accepted", "Committed", "ReconcileFailed"], TrackedCluster.States(revision));
        var failed = Assert.Single(await cluster.AuditAsync(AuditKinds.FluxFailed));
        Assert.Equal(1, failed.Revision);
        Assert.Contains("\"reason\":\"UpgradeFailed\"", failed.DetailsJson);

        var step = cluster.Simulator.Steps.Last(s => s.Kind == SimulatorStepKind.HelmReleaseFailed);
        WireGuardTrackingTests.AssertRecordedSoonAfter(TrackedCluster.At(revision, "ReconcileFailed"), step.At, "ReconcileFailed");
    }

    [Fact]
    public async Task A_rollout_that_stops_moving_is_RolloutStuck_with_the_DaemonSet_counters()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:RolloutProgressDeadline"] = "00:00:02" });
        cluster.Simulator.StickRolloutAfter(5);

        await cluster.PutSettingsAsync(WireGuardOn);

        var revision = await cluster.WaitForStateAsync(1, "RolloutStuck");
        var reason = (string)revision["stateReason"]!;
        Assert.Contains("DaemonSet kube-system/cilium made no progress", reason);
        Assert.Contains("5/17 updated", reason);
        Assert.Single(await cluster.AuditAsync(AuditKinds.RolloutStuck));
        // Helm is still waiting for the rollout: Flux never reported the release Ready.
        Assert.Empty(await cluster.AuditAsync(AuditKinds.FluxApplied));
        Assert.Contains(await cluster.AuditAsync(AuditKinds.RolloutProgress), e => e.Summary.Contains("25%", StringComparison.Ordinal));

        // Stuck means: nothing moved for the deadline after the last thing that did.
        var lastMove = cluster.Simulator.Steps.Last(s => s.Kind is SimulatorStepKind.PodReady or SimulatorStepKind.NodeRolledOut or SimulatorStepKind.RolloutStuck);
        var stuckAt = TrackedCluster.At(revision, "RolloutStuck");
        Assert.True(stuckAt - lastMove.At >= TimeSpan.FromSeconds(2), $"declared stuck {(stuckAt - lastMove.At).TotalSeconds:0.00} s after the last move");
        Assert.True(stuckAt - lastMove.At <= TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(5) + TimeSpan.FromSeconds(2),
            "declared within the deadline plus one re-check interval (and the lag bound)");
    }

    [Fact]
    public async Task A_newer_revision_supersedes_an_unfinished_one_and_its_tracker_stops()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:RolloutProgressDeadline"] = "00:05:00" });
        cluster.Simulator.StickRolloutAfter(3);
        await cluster.PutSettingsAsync(WireGuardOn);
        await Eventually.WaitAsync(() => cluster.AuditAsync(AuditKinds.FluxReconcileRequested)!, e => e!.Count == 1, TimeSpan.FromSeconds(60), "revision 1 to be tracked");
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.RolloutStuck, TimeSpan.FromSeconds(60));

        await cluster.PatchSettingsAsync("""{"hostFirewall":{"enabled":true}}""");
        await cluster.WaitForStateAsync(2, "Committed");
        Assert.Equal("Superseded", (string?)(await cluster.RevisionAsync(1))["state"]);
        cluster.Simulator.StickRolloutAfter(null);

        var newer = await cluster.WaitForStateAsync(2, "Verified");
        var older = await cluster.RevisionAsync(1);
        Assert.Equal("Superseded", (string?)older["state"]);
        Assert.Equal(["Accepted", "Committed", "Superseded"], TrackedCluster.States(older));
        Assert.Equal(["Accepted", "Committed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(newer));
        var trackers = cluster.Service.Services.GetRequiredService<ActiveTrackers>();
        await Eventually.WaitAsync(() => Task.FromResult<bool?>(trackers.IsActive(TrackedCluster.Cluster, 1)), active => active == false, TimeSpan.FromSeconds(30), "revision 1's tracker to stop");
        // Nothing after Superseded was recorded for the old revision.
        var olderKinds = (await cluster.AuditAsync(revision: 1)).Select(e => e.Kind).ToList();
        Assert.DoesNotContain(AuditKinds.FluxApplied, olderKinds);
        Assert.DoesNotContain(AuditKinds.VerifyPassed, olderKinds);
        Assert.Equal(AuditKinds.RevisionSuperseded, olderKinds.Last(k => k != AuditKinds.RolloutProgress));
    }

    [Fact]
    public async Task Agents_that_do_not_converge_within_the_grace_period_are_VerificationFailed_naming_the_check()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:VerificationGracePeriod"] = "00:00:02" });
        cluster.Simulator.LagWireguardPeers("node-07", missing: 1);

        await cluster.PutSettingsAsync(WireGuardOn);

        var revision = await cluster.WaitForStateAsync(1, "VerificationFailed");
        var reason = (string)revision["stateReason"]!;
        Assert.Contains("not verified", reason);
        Assert.Contains("agent-status", reason);
        Assert.Contains("node-07", reason);
        Assert.Contains("peer-count: desired 16, live 15", reason);
        var failed = Assert.Single(await cluster.AuditAsync(AuditKinds.VerifyFailed));
        Assert.Contains("\"check\":\"agent-status\"", failed.DetailsJson);
        Assert.True(TrackedCluster.At(revision, "VerificationFailed") - TrackedCluster.At(revision, "RolledOut") >= TimeSpan.FromSeconds(2));
    }
}
