using System.Net;
using ControlApi.Audit;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Simulator;

namespace ControlApi.Tests.Tracking;

/// <summary>Drift seen as it happens (the watch, not the hourly test poll), explained, and repaired through Flux.</summary>
public sealed class DriftRepairTests
{
    private static readonly string WireGuardOn = """{"encryption":{"enabled":true,"type":"wireguard"}}""";

    [Fact]
    public async Task A_hand_edit_of_cilium_config_is_drift_detected_at_once_and_repair_re_applies_the_release_until_it_is_cleared()
    {
        // The recurring poll is an hour away (TrackedCluster): only the watch can see the edit.
        await using var cluster = await TrackedCluster.StartAsync();
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "Verified");
        await cluster.PollNowAsync();

        cluster.Simulator.EditCiliumConfig("enable-wireguard", "false");
        var edit = cluster.Simulator.Steps.Last(s => s.Kind == SimulatorStepKind.ConfigMapEdited);

        var detected = Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.DriftDetected));
        Assert.Contains("enable-wireguard (desired true, live false)", detected.Summary);
        Assert.Contains("edited by hand?", detected.Summary);
        Assert.Contains("\"cause\":\"unexplained\"", detected.DetailsJson);
        WireGuardTrackingTests.AssertRecordedSoonAfter(detected.Time, edit.At, "drift.detected after the edit");

        var response = await cluster.Client.SendAsync(HttpJson.Request(HttpMethod.Post, "/api/v1/clusters/local/repair", null, ("X-Change-Reason", "undo a kubectl edit")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/api/v1/clusters/local/status", response.Headers.Location?.OriginalString);
        var completed = Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.RepairCompleted, timeout: TimeSpan.FromSeconds(60)));
        Assert.Contains("re-applied kube-system/cilium", completed.Summary);
        Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.DriftCleared, timeout: TimeSpan.FromSeconds(60)));
        var requested = Assert.Single(await cluster.AuditAsync(AuditKinds.RepairRequested));
        Assert.Contains("undo a kubectl edit", requested.Summary);
        // helm-controller really handled a forced upgrade: the release was upgraded although nothing changed.
        Assert.Contains(cluster.Simulator.Steps, s => s.Kind == SimulatorStepKind.HelmUpgradeStarted && s.Sequence > edit.Sequence);
        Assert.Empty((await cluster.StatusAsync())["observation"]!["config"]!["drift"]!.AsArray());
        Assert.Empty(await cluster.AuditAsync(AuditKinds.RepairFailed));
    }

    [Fact]
    public async Task Drift_that_follows_a_failed_Helm_upgrade_says_so_instead_of_looking_like_a_hand_edit()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.FailNextUpgrade();

        await cluster.PutSettingsAsync("""{"encryption":{"enabled":true,"type":"wireguard"},"hostFirewall":{"enabled":true}}""");
        await cluster.WaitForStateAsync(2, "ReconcileFailed");
        await cluster.PollNowAsync();

        var detected = Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.DriftDetected));
        Assert.Contains("it follows a failed Helm upgrade (HelmRelease kube-system/cilium UpgradeFailed", detected.Summary);
        Assert.Contains("\"cause\":\"helm-upgrade-failed\"", detected.DetailsJson);
        Assert.DoesNotContain("by hand", detected.Summary);
    }

    [Fact]
    public async Task Repair_of_a_cluster_without_Kubernetes_access_is_refused_saying_how_to_connect_it()
    {
        using var service = new ControlApiFactory();
        var response = await service.CreateClient(ControlApi.Security.Role.Operator).PostAsync("/api/v1/clusters/local/repair", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:cluster-not-connected", (string?)problem["type"]);
        Assert.Contains("ControlApi:Clusters:*:Kubernetes", (string?)problem["detail"]);
    }
}
