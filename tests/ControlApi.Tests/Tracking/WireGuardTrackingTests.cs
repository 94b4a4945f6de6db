using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Simulator;

namespace ControlApi.Tests.Tracking;

/// <summary>The seed story's last step, followed live: WireGuard on a 17-node Talos cluster.</summary>
public sealed class WireGuardTrackingTests
{
    /// <summary>The seed cluster before WireGuard: everything of SPEC §2's example except encryption.</summary>
    public static readonly string SeedWithoutEncryption = SeedSettings.Json.Replace(
        "\"encryption\":       { \"enabled\": true,", "\"encryption\":       { \"enabled\": false,", StringComparison.Ordinal);

    /// <summary>A recorded state may trail the simulator's step by at most this much (a bound on lag, not a wait).</summary>
    private static readonly TimeSpan Lag = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Enabling_WireGuard_goes_Committed_Applied_RolledOut_Verified_within_two_seconds_of_each_step()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PutSettingsAsync(SeedWithoutEncryption, "seed cluster before WireGuard")).StatusCode);
        await cluster.WaitForStateAsync(1, "Verified");
        var before = cluster.Simulator.Log.LastSequence;

        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PatchSettingsAsync("""{"encryption":{"enabled":true,"type":"wireguard","nodeEncryption":false}}""")).StatusCode);

        var revision = await cluster.WaitForStateAsync(2, "Verified");
        Assert.Equal(["Accepted", "Committed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(revision));
        Assert.NotNull(revision["secondsToVerified"]);

        var steps = cluster.Simulator.Steps.Where(s => s.Sequence > before).ToList();
        var applied = steps.Last(s => s.Kind is SimulatorStepKind.KustomizationReady or SimulatorStepKind.HelmReleaseReady);
        var rolledOut = steps.Last(s => s.Kind == SimulatorStepKind.RolloutCompleted);
        var lastAgentChange = steps.Last(s => s.Kind is SimulatorStepKind.PodReady or SimulatorStepKind.WireguardKeyPublished);
        AssertRecordedSoonAfter(TrackedCluster.At(revision, "Applied"), applied.At, "Applied");
        AssertRecordedSoonAfter(TrackedCluster.At(revision, "RolledOut"), rolledOut.At, "RolledOut");
        AssertRecordedSoonAfter(TrackedCluster.At(revision, "Verified"), lastAgentChange.At, "Verified");

        var kinds = (await cluster.AuditAsync(revision: 2)).Select(e => e.Kind).ToList();
        foreach (var kind in new[] { AuditKinds.FluxReconcileRequested, AuditKinds.FluxApplied, AuditKinds.RolloutCompleted, AuditKinds.VerifyPassed })
            Assert.Equal(1, kinds.Count(k => k == kind));
        Assert.InRange(kinds.Count(k => k == AuditKinds.RolloutProgress), 1, 3);

        // Every agent really reports 16 peers, and the status shows it.
        var status = await cluster.PollNowAsync();
        var agents = status["observation"]!["agents"]!;
        Assert.Equal(17, (int)agents["pods"]!);
        Assert.All(agents["reports"]!.AsArray(), a =>
        {
            Assert.Equal("Wireguard", (string?)a!["encryption"]);
            Assert.Equal(16, (int?)a["wireGuardPeers"]);
            Assert.Empty(a["mismatches"]!.AsArray());
        });
        Assert.Equal(17, (int)status["observation"]!["wireGuard"]!["withKey"]!);
    }

    [Fact]
    public async Task WireGuard_is_not_Verified_until_every_agent_reports_sixteen_peers()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await cluster.PutSettingsAsync(SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.LagWireguardPeers("node-05", missing: 2);

        await cluster.PatchSettingsAsync("""{"encryption":{"enabled":true}}""");

        await cluster.WaitForStateAsync(2, "RolledOut");
        // The tracker has looked at the agents and says which one is behind, with desired and live.
        var waiting = await Eventually.WaitAsync(async () => (string?)(await cluster.StatusAsync())["tracking"]![0]?["waiting"],
            w => w is not null && w.Contains("node-05", StringComparison.Ordinal) && w.Contains("peer-count", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the tracker to report node-05's peers");
        Assert.Contains("desired 16, live 14", waiting);
        Assert.Equal("RolledOut", (string?)(await cluster.RevisionAsync(2))["state"]);

        var converged = DateTimeOffset.UtcNow;
        cluster.Simulator.LagWireguardPeers("node-05", missing: 0);

        var verified = await cluster.WaitForStateAsync(2, "Verified");
        AssertRecordedSoonAfter(TrackedCluster.At(verified, "Verified"), converged, "Verified after the peers converged");
        Assert.Empty(await cluster.AuditAsync(AuditKinds.VerifyFailed));
    }

    internal static void AssertRecordedSoonAfter(DateTimeOffset recorded, DateTimeOffset happened, string what)
    {
        // The step is stamped right after its write; a read can complete a hair before the stamp.
        Assert.True(recorded >= happened - TimeSpan.FromMilliseconds(250), $"{what} recorded at {recorded:O}, before the simulator's step at {happened:O}");
        Assert.True(recorded - happened <= Lag, $"{what} recorded {(recorded - happened).TotalSeconds:0.000} s after the simulator's step (bound {Lag.TotalSeconds} s)");
    }
}
