using System.Net;
using ControlApi.Audit;
using ControlApi.Jobs;
using ControlApi.Security;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Simulator;

namespace ControlApi.Tests.Tracking;

/// <summary>The recurring poll: snapshots, and audit events only for what changed.</summary>
public sealed class ObservationTests
{
    private static readonly Dictionary<string, string?> PollEverySecond = new() { ["ControlApi:Tracking:PollInterval"] = "00:00:01" };

    /// <summary>Waits until <paramref name="more"/> further observations are stored (polls happened, whatever they found).</summary>
    private static async Task PollsAsync(TrackedCluster cluster, int more)
    {
        var start = await cluster.ObservationCountAsync();
        await Eventually.WaitAsync(cluster.ObservationCountAsync, n => n >= start + more, TimeSpan.FromSeconds(60), $"{more} more observations");
    }

    [Fact]
    public async Task A_poll_interval_below_the_schedulers_fallback_is_kept()
    {
        // Five polls at one a second. Hangfire's own recurring scheduler looks only every
        // DefaultQueueServer.SchedulePollingFallback (15 s), so with it alone these five take over a
        // minute; the deadline is below a single fallback period.
        Assert.True(DefaultQueueServer.SchedulePollingFallback > TimeSpan.FromSeconds(14));
        await using var cluster = await TrackedCluster.StartAsync(PollEverySecond);
        await PollsAsync(cluster, 1);

        var start = await cluster.ObservationCountAsync();
        await Eventually.WaitAsync(cluster.ObservationCountAsync, n => n >= start + 5, TimeSpan.FromSeconds(14), "five polls at one a second");
    }

    [Fact]
    public async Task A_hand_edited_ConfigMap_is_drift_detected_once_then_cleared_once_after_the_fix()
    {
        await using var cluster = await TrackedCluster.StartAsync(PollEverySecond);
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        await PollsAsync(cluster, 1);
        Assert.Empty(await cluster.AuditAsync(AuditKinds.DriftDetected));

        cluster.Simulator.EditCiliumConfig("enable-host-firewall", "false");

        var detected = Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.DriftDetected));
        Assert.Contains("enable-host-firewall (desired true, live false)", detected.Summary);
        Assert.Contains("\"key\":\"enable-host-firewall\"", detected.DetailsJson);
        await PollsAsync(cluster, 3);
        Assert.Single(await cluster.AuditAsync(AuditKinds.DriftDetected));
        var drift = (await cluster.StatusAsync())["observation"]!["config"]!["drift"]!.AsArray();
        Assert.Equal("enable-host-firewall", (string?)Assert.Single(drift)!["key"]);

        cluster.Simulator.RestoreCiliumConfig();

        await cluster.WaitForAuditAsync(AuditKinds.DriftCleared);
        await PollsAsync(cluster, 3);
        Assert.Single(await cluster.AuditAsync(AuditKinds.DriftDetected));
        Assert.Single(await cluster.AuditAsync(AuditKinds.DriftCleared));
        Assert.Single(await cluster.AuditAsync(AuditKinds.PollHeartbeat));
    }

    [Fact]
    public async Task An_API_server_that_goes_down_is_one_cluster_unreachable_then_one_cluster_reachable()
    {
        await using var cluster = await TrackedCluster.StartAsync(PollEverySecond);
        await PollsAsync(cluster, 1);

        await cluster.Server.GoDownAsync();

        var down = Assert.Single(await cluster.WaitForAuditAsync(AuditKinds.ClusterUnreachable));
        Assert.StartsWith("local: the Kubernetes API is unreachable: ", down.Summary);
        Assert.True(down.Summary.Contains("cannot connect", StringComparison.Ordinal) || down.Summary.Contains("connection lost", StringComparison.Ordinal), down.Summary);
        await PollsAsync(cluster, 3);
        Assert.Single(await cluster.AuditAsync(AuditKinds.ClusterUnreachable));
        var status = await cluster.StatusAsync();
        Assert.Equal("unreachable", (string?)status["status"]);
        Assert.False((bool)status["observation"]!["reachable"]!);

        await cluster.Server.ComeBackAsync();

        await cluster.WaitForAuditAsync(AuditKinds.ClusterReachable);
        await PollsAsync(cluster, 3);
        Assert.Single(await cluster.AuditAsync(AuditKinds.ClusterUnreachable));
        Assert.Single(await cluster.AuditAsync(AuditKinds.ClusterReachable));
        Assert.Equal("observed", (string?)(await cluster.StatusAsync())["status"]);
    }

    [Fact]
    public async Task Migration_leftovers_are_reported_once_with_what_was_found()
    {
        // Polls only on request here: the simulator adds the leftovers one object at a time, and a
        // periodic poll landing half-way would rightly report the second half as newly found.
        await using var cluster = await TrackedCluster.StartAsync();
        await Eventually.WaitAsync(cluster.ObservationCountAsync, n => n >= 1, TimeSpan.FromSeconds(60), "the start-up poll");
        Assert.Empty(await cluster.AuditAsync(AuditKinds.MigrationLeftover));

        cluster.Simulator.AddLeftovers(MigrationLeftovers.All);

        await cluster.PollNowAsync();
        var reported = Assert.Single(await cluster.AuditAsync(AuditKinds.MigrationLeftover));
        await cluster.PollNowAsync();
        await cluster.PollNowAsync();
        Assert.Single(await cluster.AuditAsync(AuditKinds.MigrationLeftover));
        Assert.Contains("kube-system/kube-flannel", reported.DetailsJson);
        Assert.Contains("kube-system/kube-proxy", reported.DetailsJson);
        Assert.Contains("default/legacy-web-0", reported.DetailsJson);
        Assert.Contains("flannel.1", reported.DetailsJson);

        var leftovers = (await cluster.StatusAsync())["observation"]!["leftovers"]!.AsArray().Select(l => (string)l!["kind"]!).ToList();
        Assert.Contains("daemonset", leftovers);
        Assert.Contains("pod", leftovers);
        Assert.Contains("device", leftovers);
        // CoreDNS has its CiliumEndpoint: it is managed, not a leftover.
        Assert.DoesNotContain("coredns", reported.DetailsJson);
    }

    [Fact]
    public async Task The_status_shows_the_latest_observation_and_the_features_show_live_beside_desired()
    {
        // Polls every second: the poll the reconcile request starts can catch Flux mid-reconcile
        // (Ready unknown for a moment, as on a real cluster); a later one shows it settled.
        await using var cluster = await TrackedCluster.StartAsync(PollEverySecond);
        await cluster.PutSettingsAsync(SeedSettings.Json);
        await cluster.WaitForStateAsync(1, "Verified");

        var response = await cluster.Client.PostAsync($"/api/v1/clusters/{TrackedCluster.Cluster}/reconcile", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.EndsWith("/api/v1/clusters/local/status", response.Headers.Location!.ToString());
        var requested = await Eventually.WaitAsync(() => cluster.AuditAsync(AuditKinds.FluxReconcileRequested)!,
            e => e!.Any(x => x.Revision is null), TimeSpan.FromSeconds(30), "the API's reconcile request");
        Assert.Equal(cluster.Service.KeyNameFor(Role.Operator), requested.Single(x => x.Revision is null).Actor);
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.ReconcileRequestHandled, TimeSpan.FromSeconds(30));

        var status = await Eventually.WaitAsync(cluster.StatusAsync!,
            s => s?["observation"]?["desiredRevision"]?.GetValue<int>() == 1 && s["observation"]!["flux"]!.AsArray().All(f => (bool)f!["ready"]!),
            TimeSpan.FromSeconds(30), "an observation of revision 1 with Flux settled after the reconcile");
        Assert.True((bool)status["connected"]!);
        Assert.InRange((double)status["ageSeconds"]!, 0, 60);
        var observation = status["observation"]!;
        Assert.Equal("Complete", (string?)observation["daemonSet"]!["phase"]);
        Assert.Empty(observation["config"]!["drift"]!.AsArray());
        Assert.True((bool)observation["hubbleUi"]!["exposed"]!);
        Assert.Equal("192.0.2.80", (string?)observation["hubbleUi"]!["addresses"]![0]);
        Assert.Equal("hubble.goldentooth.net", (string?)observation["hubbleUi"]!["hostname"]);
        Assert.All(observation["agents"]!["reports"]!.AsArray(), a => Assert.Equal("OK", (string?)a!["brief"]));
        Assert.True((long)observation["cost"]!["requests"]! > 0);

        var features = await (await cluster.Client.GetAsync($"/api/v1/clusters/{TrackedCluster.Cluster}/features")).ReadJsonAsync();
        Assert.NotNull(features["observedAt"]);
        foreach (var feature in features["features"]!.AsArray())
            Assert.True((bool?)feature!["live"] == (bool)feature["enabled"]!, $"{feature["name"]}: desired {feature["enabled"]}, live {feature["live"]}");
    }

    [Fact]
    public async Task A_cluster_without_Kubernetes_says_not_connected_and_its_revisions_stay_Committed()
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);

        var status = await client.GetFromJsonNodeAsync("/api/v1/clusters/local/status");
        Assert.False((bool)status!["connected"]!);
        Assert.StartsWith("not connected", (string?)status["status"]);
        var reconcile = await client.PostAsync("/api/v1/clusters/local/reconcile", null);
        Assert.Equal(HttpStatusCode.Conflict, reconcile.StatusCode);
        Assert.Equal("urn:controlapi:problem:cluster-not-connected", (string?)(await reconcile.ReadJsonAsync())["type"]);

        await client.PutAsync("/api/v1/clusters/local/cilium", HttpJson.Json("""{"hostFirewall":{"enabled":true}}"""));
        var revision = await Eventually.WaitAsync(() => client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/1"),
            r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(45), "revision 1 to be Committed");
        Assert.Null(revision["secondsToVerified"]);
        var features = await client.GetFromJsonNodeAsync("/api/v1/clusters/local/features");
        Assert.All(features!["features"]!.AsArray(), f => Assert.Null((bool?)f!["live"]));

        var unknown = await client.GetAsync("/api/v1/clusters/atlantis/status");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_restart_repeats_no_event_and_picks_up_a_revision_mid_rollout()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.EditCiliumConfig("enable-l7-proxy", "false");
        await cluster.PollNowAsync();
        await cluster.WaitForAuditAsync(AuditKinds.DriftDetected);
        cluster.Simulator.StickRolloutAfter(6);
        await cluster.PatchSettingsAsync("""{"encryption":{"enabled":true}}""");
        await Eventually.WaitAsync(() => cluster.AuditAsync(AuditKinds.RolloutProgress, revision: 2)!, e => e!.Count >= 1, TimeSpan.FromSeconds(60), "revision 2 rolling out");

        await cluster.RestartServiceAsync();
        cluster.Simulator.StickRolloutAfter(null);

        var revision = await cluster.WaitForStateAsync(2, "Verified");
        Assert.Equal(["Accepted", "Committed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(revision));
        await cluster.PollNowAsync();
        var kinds = (await cluster.AuditAsync()).Select(e => e.Kind).ToList();
        foreach (var kind in new[] { AuditKinds.DriftDetected, AuditKinds.PollHeartbeat })
            Assert.True(kinds.Count(k => k == kind) == 1, $"{kind} recorded {kinds.Count(k => k == kind)} times");
        var second = (await cluster.AuditAsync(revision: 2)).Select(e => e.Kind).ToList();
        foreach (var kind in new[] { AuditKinds.FluxReconcileRequested, AuditKinds.FluxApplied, AuditKinds.RolloutCompleted, AuditKinds.VerifyPassed })
            Assert.True(second.Count(k => k == kind) == 1, $"{kind} recorded {second.Count(k => k == kind)} times for revision 2");
        var quarters = (await cluster.AuditAsync(AuditKinds.RolloutProgress, revision: 2)).Select(e => e.Summary[..e.Summary.IndexOf('%', StringComparison.Ordinal)]).ToList();
        Assert.Equal(quarters.Distinct(), quarters);
    }
}
