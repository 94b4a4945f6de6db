using System.Net;
using ControlApi.Audit;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Simulator;

namespace ControlApi.Tests.Tracking;

/// <summary>
/// A failure the cluster puts right by itself — Flux's own retry, agents that converge late — moves
/// the revision on to Verified, once, saying it recovered; and tracking can be restarted by hand.
/// </summary>
public sealed class RecoveryTests
{
    private static readonly string WireGuardOn = """{"encryption":{"enabled":true,"type":"wireguard"}}""";

    [Fact]
    public async Task A_ReconcileFailed_revision_moves_on_to_Verified_once_Flux_retries_the_upgrade_successfully()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        cluster.Simulator.FailNextUpgrade("cannot patch \"cilium\" with kind DaemonSet: etcdserver: request timed out");
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "ReconcileFailed");

        // helm-controller's remediation retry upgrades the same generation again, and this time it works;
        // the Kustomization is Ready once the release is, after all 17 agents rolled (slow on a loaded machine).
        var retried = cluster.Simulator.Steps.Count;
        cluster.Simulator.RetryFailedUpgrade();
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.KustomizationReady, TimeSpan.FromSeconds(180), afterSequence: retried);

        // The next poll looks at the failed revision again and its tracker follows it to the end. A
        // look that an earlier poll started just before the retry landed may still hold the revision
        // (it ends "still ReconcileFailed"), and then it is the poll after that which moves it on.
        await Eventually.WaitAsync(async () =>
        {
            await cluster.PollNowAsync();
            return (string?)(await cluster.RevisionAsync(1))["state"];
        }, state => state != "ReconcileFailed", TimeSpan.FromSeconds(180), "a poll to look at revision 1 again");
        var revision = await cluster.WaitForStateAsync(1, "Verified", TimeSpan.FromSeconds(180));

        Assert.Equal(["Accepted", "Committed", "ReconcileFailed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(revision));
        var applied = revision["timeline"]!.AsArray().Single(t => (string?)t!["state"] == "Applied")!;
        Assert.StartsWith("Recovered from ReconcileFailed: Flux applied", (string?)applied["message"]);
        var recovered = Assert.Single(await cluster.AuditAsync(AuditKinds.RevisionRecovered));
        Assert.Equal(1, recovered.Revision);
        // Each step once: the failure is not recorded again, the success steps only now.
        Assert.Single(await cluster.AuditAsync(AuditKinds.FluxFailed));
        Assert.Single(await cluster.AuditAsync(AuditKinds.FluxApplied));
        Assert.Single(await cluster.AuditAsync(AuditKinds.VerifyPassed));

        // Further polls change nothing: Verified is the end.
        await cluster.PollNowAsync();
        Assert.Single(await cluster.AuditAsync(AuditKinds.RevisionRecovered));
    }

    [Fact]
    public async Task A_failure_the_cluster_has_not_put_right_stays_as_it_is_however_often_it_is_looked_at()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        cluster.Simulator.FailNextUpgrade();
        await cluster.PutSettingsAsync(WireGuardOn);
        var failed = await cluster.WaitForStateAsync(1, "ReconcileFailed");

        await cluster.PollNowAsync();
        await cluster.PollNowAsync();
        var retrack = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/1/retrack", null);
        Assert.Equal(HttpStatusCode.Accepted, retrack.StatusCode);
        await Eventually.WaitAsync(() => cluster.AuditAsync(AuditKinds.RevisionRetracked)!, e => e!.Count == 1, TimeSpan.FromSeconds(30), "the retrack to be recorded");
        await cluster.PollNowAsync();

        var still = await cluster.RevisionAsync(1);
        Assert.Equal("ReconcileFailed", (string?)still["state"]);
        Assert.Equal(TrackedCluster.States(failed), TrackedCluster.States(still));
        Assert.Single(await cluster.AuditAsync(AuditKinds.FluxFailed));
        Assert.Empty(await cluster.AuditAsync(AuditKinds.RevisionRecovered));
    }

    [Fact]
    public async Task Retrack_follows_a_VerificationFailed_revision_to_Verified_once_the_late_agent_converges()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:VerificationGracePeriod"] = "00:00:02" });
        cluster.Simulator.LagWireguardPeers("node-07", missing: 1);
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "VerificationFailed");

        cluster.Simulator.LagWireguardPeers("node-07", missing: 0);
        var response = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/1/retrack", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/api/v1/clusters/local/revisions/1", response.Headers.Location?.OriginalString);
        var body = await response.ReadJsonAsync();
        Assert.Equal("VerificationFailed", (string?)body["state"]);
        var revision = await cluster.WaitForStateAsync(1, "Verified");
        Assert.Equal(["Accepted", "Committed", "Applied", "RolledOut", "VerificationFailed", "Verified"], TrackedCluster.States(revision));
        Assert.StartsWith("Recovered from VerificationFailed:", (string?)revision["stateReason"]);
        var asked = Assert.Single(await cluster.AuditAsync(AuditKinds.RevisionRetracked));
        Assert.NotEqual(AuditSources.System, asked.Actor);
        Assert.Single(await cluster.AuditAsync(AuditKinds.RevisionRecovered));
    }

    [Fact]
    public async Task Retrack_refuses_what_no_tracker_can_follow_and_says_what_to_do()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "Verified");

        var verified = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/1/retrack", null);
        Assert.Equal(HttpStatusCode.Conflict, verified.StatusCode);
        var problem = await verified.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:revision-not-trackable", (string?)problem["type"]);
        Assert.Contains("POST /api/v1/clusters/local/reconcile", (string?)problem["detail"]);

        var missing = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/9/retrack", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Empty(await cluster.AuditAsync(AuditKinds.RevisionRetracked));
    }
}
