using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Api;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Canary;

/// <summary>
/// A change tried on 3 of the seed cluster's 17 nodes first (a CiliumNodeConfig and their agents
/// restarted), then promoted to all of them — or stopped there when the canary fails.
/// </summary>
public sealed class CanaryRolloutTests
{
    public const string Geneve = """{"routing":{"tunnelProtocol":"geneve"}}""";
    public const string CanaryNodes = "kubernetes.io/hostname in (node-03,node-07,node-11)";
    private static readonly string[] Canaries = ["node-03", "node-07", "node-11"];
    private const string CanaryFile = "gitops/infrastructure/cilium/canary.yaml";

    internal static Task<HttpResponseMessage> PatchAsCanaryAsync(HttpClient client, string json, string? nodes = CanaryNodes)
    {
        var request = HttpJson.Request(HttpMethod.Patch, TrackedCluster.SettingsUrl, HttpJson.MergePatch(json), ("X-Change-Reason", "try geneve"), ("X-Rollout", "canary"));
        if (nodes is not null) request.Headers.Add("X-Rollout-Nodes", nodes);
        return client.SendAsync(request);
    }

    private static Dictionary<string, string> AgentPods(TrackedCluster cluster) =>
        cluster.Simulator.Nodes.ToDictionary(n => n.Name, n => cluster.Simulator.AgentPod(n.Name));

    private static async Task<string?> RepositoryFileAsync(TrackedCluster cluster, string path)
    {
        var head = await cluster.Simulator.Source.HeadAsync(CancellationToken.None);
        return head is null ? null : await cluster.Simulator.Source.ReadFileAsync(head, path, CancellationToken.None);
    }

    /// <summary>Revision 1, Verified: ControlApi's first commit replaces the bootstrap release (every agent restarts), so a canary comes after it.</summary>
    internal static async Task BaselineAsync(TrackedCluster cluster)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PatchSettingsAsync("""{"hostFirewall":{"enabled":true}}""")).StatusCode);
        await cluster.WaitForStateAsync(1, "Verified", TimeSpan.FromSeconds(90));
    }

    private static bool NodeConfigInCluster(TrackedCluster cluster) =>
        cluster.Server.Store.Snapshot(KubernetesResources.CiliumNodeConfigs).Objects.Count > 0;

    [Fact]
    public async Task A_canary_on_3_of_17_nodes_restarts_only_those_agents_with_the_new_key_and_promote_takes_it_to_all_17()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await BaselineAsync(cluster);
        var before = AgentPods(cluster);

        var accepted = await PatchAsCanaryAsync(cluster.Client, Geneve);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var change = await accepted.ReadJsonAsync();
        Assert.Equal(CanaryNodes, (string)change["revision"]!["canary"]!["nodeSelector"]!);
        Assert.Equal("geneve", (string)change["revision"]!["canary"]!["keys"]!["tunnel-protocol"]!);

        var canary = await cluster.WaitForStateAsync(2, "CanaryVerified", TimeSpan.FromSeconds(90));
        Assert.Equal(["Accepted", "Committed", "Canary", "CanaryVerified"], TrackedCluster.States(canary));
        Assert.Equal(Canaries, canary["canary"]!["nodes"]!.AsArray().Select(n => (string)n!));
        var during = AgentPods(cluster);
        // Only the canary nodes' agents were restarted (new pods), and only they run the new key.
        Assert.Equal(Canaries, during.Where(p => p.Value != before[p.Key]).Select(p => p.Key).Order());
        foreach (var node in cluster.Simulator.Nodes.Select(n => n.Name))
            Assert.Equal(Canaries.Contains(node) ? "geneve" : "vxlan", cluster.Simulator.AgentConfig(node).GetValueOrDefault("tunnel-protocol", "vxlan"));
        // The release is unchanged; the CiliumNodeConfig is in git and in the cluster.
        Assert.Contains("CiliumNodeConfig", await RepositoryFileAsync(cluster, CanaryFile));
        Assert.True(NodeConfigInCluster(cluster));
        Assert.Equal("vxlan", cluster.Server.Store.Get(KubernetesResources.ConfigMaps, "kube-system", "cilium-config")!.ToJsonObject()["data"]!["tunnel-protocol"]!.GetValue<string>());
        Assert.Single(await cluster.AuditAsync(AuditKinds.CanaryRestarted));
        Assert.Single(await cluster.AuditAsync(AuditKinds.CanaryVerified));

        var promoted = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/2/promote", null);

        Assert.Equal(HttpStatusCode.Accepted, promoted.StatusCode);
        var verified = await cluster.WaitForStateAsync(2, "Verified", TimeSpan.FromSeconds(90));
        Assert.Equal(["Accepted", "Committed", "Canary", "CanaryVerified", "CanaryVerified", "Committed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(verified));
        Assert.NotNull(verified["canary"]!["promotedAt"]);
        Assert.All(cluster.Simulator.Nodes, n => Assert.Equal("geneve", cluster.Simulator.AgentConfig(n.Name)["tunnel-protocol"]));
        Assert.Null(await RepositoryFileAsync(cluster, CanaryFile));
        Assert.False(NodeConfigInCluster(cluster));
        Assert.Single(await cluster.AuditAsync(AuditKinds.CanaryPromoted));
        // Two commits for the one revision: the canary, then the promotion.
        Assert.Equal(2, (await cluster.AuditAsync(AuditKinds.GitCommitted, revision: 2)).Count);
    }

    [Fact]
    public async Task A_canary_that_fails_stops_there_and_the_other_14_nodes_are_untouched()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:VerificationGracePeriod"] = "00:00:03" });
        await BaselineAsync(cluster);
        cluster.Simulator.FailAgentsWith("tunnel-protocol", "geneve");
        var before = AgentPods(cluster);

        Assert.Equal(HttpStatusCode.Accepted, (await PatchAsCanaryAsync(cluster.Client, Geneve)).StatusCode);

        var failed = await cluster.WaitForStateAsync(2, "VerificationFailed", TimeSpan.FromSeconds(90));
        Assert.Contains("The canary failed, nothing was promoted", (string)failed["stateReason"]!);
        Assert.Single(await cluster.AuditAsync(AuditKinds.CanaryFailed));
        var after = AgentPods(cluster);
        Assert.All(cluster.Simulator.Nodes.Where(n => !Canaries.Contains(n.Name)), n =>
        {
            Assert.Equal(before[n.Name], after[n.Name]);
            Assert.Equal("vxlan", cluster.Simulator.AgentConfig(n.Name).GetValueOrDefault("tunnel-protocol", "vxlan"));
        });

        var promote = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/2/promote", null);

        Assert.Equal(HttpStatusCode.Conflict, promote.StatusCode);
        Assert.Contains("the canary failed", (string)(await promote.ReadJsonAsync())["detail"]!);
        Assert.Equal("vxlan", cluster.Server.Store.Get(KubernetesResources.ConfigMaps, "kube-system", "cilium-config")!.ToJsonObject()["data"]!["tunnel-protocol"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_automatic_rollback_a_failed_canary_is_rolled_back_the_CiliumNodeConfig_pruned_and_its_nodes_run_the_old_values_again()
    {
        await using var cluster = await TrackedCluster.StartAsync(new()
        {
            ["ControlApi:Tracking:VerificationGracePeriod"] = "00:00:03",
            ["ControlApi:Clusters:0:AutoRollback"] = "true",
        });
        await BaselineAsync(cluster);
        cluster.Simulator.FailAgentsWith("tunnel-protocol", "geneve");

        Assert.Equal(HttpStatusCode.Accepted, (await PatchAsCanaryAsync(cluster.Client, Geneve)).StatusCode);

        await cluster.WaitForStateAsync(2, "VerificationFailed", TimeSpan.FromSeconds(90));
        var rollback = await cluster.WaitForStateAsync(3, "Verified", TimeSpan.FromSeconds(90));
        Assert.Equal(1, (int?)rollback["rollbackTo"]);
        Assert.Null(await RepositoryFileAsync(cluster, CanaryFile));
        Assert.False(NodeConfigInCluster(cluster));
        Assert.All(cluster.Simulator.Nodes, n => Assert.Equal("vxlan", cluster.Simulator.AgentConfig(n.Name).GetValueOrDefault("tunnel-protocol", "vxlan")));
        // The rollback restarted the former canary nodes once more, so they dropped the CiliumNodeConfig's values.
        Assert.Contains(await cluster.AuditAsync(AuditKinds.CanaryRestarted, revision: 3), e => e.Summary.Contains("revision 2's canary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_newer_change_supersedes_a_verified_canary_and_takes_its_CiliumNodeConfig_away()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await BaselineAsync(cluster);
        Assert.Equal(HttpStatusCode.Accepted, (await PatchAsCanaryAsync(cluster.Client, Geneve)).StatusCode);
        await cluster.WaitForStateAsync(2, "CanaryVerified", TimeSpan.FromSeconds(90));

        // Everywhere at once; its settings build on revision 2's (geneve), without the canary.
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PatchSettingsAsync("""{"bpf":{"masquerade":true}}""")).StatusCode);

        await cluster.WaitForStateAsync(3, "Verified", TimeSpan.FromSeconds(90));
        Assert.Equal("Superseded", (string)(await cluster.RevisionAsync(2))["state"]!);
        Assert.Null(await RepositoryFileAsync(cluster, CanaryFile));
        Assert.False(NodeConfigInCluster(cluster));
        Assert.All(cluster.Simulator.Nodes, n => Assert.Equal("geneve", cluster.Simulator.AgentConfig(n.Name)["tunnel-protocol"]));
        Assert.Equal(409, (int)(await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/2/promote", null)).StatusCode);
    }

    [Fact]
    public async Task Promote_is_for_operators_only_from_CanaryVerified_and_a_change_a_CiliumNodeConfig_cannot_carry_is_refused()
    {
        await using var cluster = await TrackedCluster.StartAsync();

        // Hubble Relay is a Deployment of its own, not a cilium-config key.
        var refused = await PatchAsCanaryAsync(cluster.Client, """{"hubble":{"relay":true}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Contains("hubble.relay.enabled", (string)problem["detail"]!);
        Assert.Contains("without a canary", (string)problem["detail"]!);
        var badSelector = await PatchAsCanaryAsync(cluster.Client, Geneve, "role > 3");
        Assert.Equal(HttpStatusCode.BadRequest, badSelector.StatusCode);
        Assert.Equal(0, (int)(await (await cluster.Client.GetAsync(TrackedCluster.SettingsUrl)).ReadJsonAsync())["revision"]!);

        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PatchSettingsAsync("""{"hostFirewall":{"enabled":true}}""")).StatusCode);
        await cluster.WaitForStateAsync(1, "Verified", TimeSpan.FromSeconds(90));
        var notCanary = await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/1/promote", null);
        Assert.Equal(HttpStatusCode.Conflict, notCanary.StatusCode);
        Assert.Contains("not a canary", (string)(await notCanary.ReadJsonAsync())["detail"]!);

        Assert.Equal(HttpStatusCode.Accepted, (await PatchAsCanaryAsync(cluster.Client, Geneve)).StatusCode);
        await cluster.WaitForStateAsync(2, "CanaryVerified", TimeSpan.FromSeconds(90));
        using var viewer = cluster.Service.CreateClient(Role.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/clusters/local/revisions/2/promote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/9/promote", null)).StatusCode);
        // A canary on top of a canary that was not promoted would compare against values the other nodes do not run.
        var stacked = await PatchAsCanaryAsync(cluster.Client, """{"routing":{"tunnelProtocol":"vxlan"}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, stacked.StatusCode);
        Assert.Contains("Promote it first", (string)(await stacked.ReadJsonAsync())["detail"]!);
    }
}

/// <summary>Automatic promotion after the cluster's soak time, on the clock ControlApi is given.</summary>
public sealed class CanarySoakTests
{
    [Fact]
    public async Task A_verified_canary_is_promoted_once_it_has_soaked_for_the_configured_time_and_not_before()
    {
        await using var cluster = await TrackedCluster.StartAsync(new()
        {
            ["ControlApi:Clusters:0:Canary:AutoPromote"] = "true",
            ["ControlApi:Clusters:0:Canary:SoakTime"] = "00:30:00",
            ["ControlApi:Clusters:0:Canary:NodeSelector"] = CanaryRolloutTests.CanaryNodes,
        });
        await CanaryRolloutTests.BaselineAsync(cluster);
        // No X-Rollout-Nodes: the cluster's Canary:NodeSelector picks the nodes.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await CanaryRolloutTests.PatchAsCanaryAsync(cluster.Client, CanaryRolloutTests.Geneve, nodes: null)).StatusCode);
        var verified = await cluster.WaitForStateAsync(2, "CanaryVerified", TimeSpan.FromSeconds(90));
        var verifiedAt = TrackedCluster.At(verified, "CanaryVerified");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(verifiedAt + TimeSpan.FromMinutes(29));

        using var scope = cluster.Service.Services.CreateScope();
        ControlApi.Canary.CanarySoak Soak() => new(
            scope.ServiceProvider.GetRequiredService<ControlApi.Data.ControlApiDbContext>(),
            scope.ServiceProvider.GetRequiredService<ControlApi.Canary.CanaryPromotion>(),
            clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<ControlApi.Canary.CanarySoak>.Instance);
        var managed = scope.ServiceProvider.GetRequiredService<ControlApi.Configuration.ClusterCatalog>().Find(TrackedCluster.Cluster)!;

        Assert.Null(await Soak().PromoteDueAsync(managed, CancellationToken.None));
        Assert.Equal("CanaryVerified", (string)(await cluster.RevisionAsync(2))["state"]!);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(2, await Soak().PromoteDueAsync(managed, CancellationToken.None));
        await cluster.WaitForStateAsync(2, "Verified", TimeSpan.FromSeconds(90));
        var promoted = Assert.Single(await cluster.AuditAsync(AuditKinds.CanaryPromoted));
        Assert.Equal(AuditSources.System, promoted.Actor);
    }
}
