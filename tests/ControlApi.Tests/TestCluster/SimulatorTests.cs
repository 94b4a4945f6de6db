using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.Core.Settings;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;
using ControlApi.Tests.Support;
using ControlApi.Tests.TestCluster.Support;
using k8s;
using k8s.Models;

namespace ControlApi.Tests.TestCluster;

/// <summary>The simulated seed cluster as ControlApi will see it through the real KubernetesClient.</summary>
public sealed class SimulatorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_seeded_cluster_runs_one_ready_agent_per_node_and_flux_is_ready_at_the_repository_head()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync();
        var client = cluster.Api.Client;
        var head = (await cluster.Git.RunAsync(cluster.Repository, "rev-parse", "main")).Trim();

        var nodes = await client.CoreV1.ListNodeAsync();
        var agents = await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=cilium");
        var daemonSet = await client.AppsV1.ReadNamespacedDaemonSetAsync("cilium", "kube-system");
        var config = await client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system");
        var kustomization = await CustomAsync(client, "kustomize.toolkit.fluxcd.io", "v1", "flux-system", "kustomizations", "cilium");
        var gitRepository = await CustomAsync(client, "source.toolkit.fluxcd.io", "v1", "flux-system", "gitrepositories", "flux-system");
        var helmRelease = await CustomAsync(client, "helm.toolkit.fluxcd.io", "v2", "kube-system", "helmreleases", "cilium");
        var ciliumNodes = JsonNode.Parse(((JsonElement)await client.CustomObjects.ListClusterCustomObjectAsync("cilium.io", "v2", "ciliumnodes")).GetRawText())!;

        Assert.Equal(17, nodes.Items.Count);
        Assert.Equal(17, agents.Items.Count);
        Assert.Equal(nodes.Items.Select(n => n.Metadata.Name).Order(), agents.Items.Select(p => p.Spec.NodeName).Order());
        Assert.All(agents.Items, p => Assert.Equal("cilium-agent", Assert.Single(p.Spec.Containers).Name));
        Assert.Equal(17, daemonSet.Status.NumberReady);
        Assert.Equal(daemonSet.Metadata.Generation, daemonSet.Status.ObservedGeneration);
        Assert.Equal("cilium", daemonSet.Metadata.Labels["k8s-app"]);
        Assert.Equal("true", config.Data["kube-proxy-replacement"]);
        Assert.False(config.Data.ContainsKey("enable-wireguard"));
        Assert.Equal($"main@sha1:{head}", (string?)gitRepository["status"]!["artifact"]!["revision"]);
        Assert.Equal($"main@sha1:{head}", (string?)kustomization["status"]!["lastAppliedRevision"]);
        Assert.Equal("./gitops/infrastructure/cilium", (string?)kustomization["spec"]!["path"]);
        Assert.True((bool)kustomization["spec"]!["wait"]!);
        AssertReady(kustomization, "ReconciliationSucceeded");
        AssertReady(helmRelease, "InstallSucceeded");
        Assert.Equal(17, ciliumNodes["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_wireguard_commit_goes_through_flux_and_a_node_by_node_rollout_until_every_agent_has_16_peers()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync();
        var client = cluster.Api.Client;
        var helmBefore = await CustomAsync(client, "helm.toolkit.fluxcd.io", "v2", "kube-system", "helmreleases", "cilium");
        var agentsBefore = (await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=cilium")).Items.Select(p => p.Metadata.Name).ToHashSet();
        var mark = cluster.Simulator.Log.LastSequence;

        var sha = await cluster.CommitAsync(SimulatedClusterFixture.WireguardOn, "Enable WireGuard");
        var revision = $"main@sha1:{sha}";
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.KustomizationReady && s.Revision == revision, Deadline, mark);

        var steps = cluster.Simulator.Steps.Where(s => s.Sequence > mark).ToArray();
        int First(SimulatorStepKind kind) => Array.FindIndex(steps, s => s.Kind == kind);
        int Last(SimulatorStepKind kind) => Array.FindLastIndex(steps, s => s.Kind == kind);
        Assert.True(First(SimulatorStepKind.CommitDetected) < First(SimulatorStepKind.ArtifactStored));
        Assert.True(First(SimulatorStepKind.ArtifactStored) < First(SimulatorStepKind.KustomizationProgressing));
        Assert.True(First(SimulatorStepKind.KustomizationProgressing) < First(SimulatorStepKind.ManifestsApplied));
        Assert.True(First(SimulatorStepKind.ManifestsApplied) < First(SimulatorStepKind.HelmUpgradeStarted));
        Assert.True(First(SimulatorStepKind.HelmUpgradeStarted) < First(SimulatorStepKind.CiliumConfigUpdated));
        Assert.True(First(SimulatorStepKind.CiliumConfigUpdated) < First(SimulatorStepKind.DaemonSetUpdated));
        Assert.True(First(SimulatorStepKind.DaemonSetUpdated) < First(SimulatorStepKind.NodeRolledOut));
        Assert.Equal(17, steps.Count(s => s.Kind == SimulatorStepKind.NodeRolledOut));
        Assert.True(Last(SimulatorStepKind.NodeRolledOut) < First(SimulatorStepKind.RolloutCompleted));
        Assert.True(First(SimulatorStepKind.RolloutCompleted) < First(SimulatorStepKind.HelmReleaseReady));
        Assert.True(First(SimulatorStepKind.HelmReleaseReady) < First(SimulatorStepKind.KustomizationReady));
        // What the log promises (SimulatorStepLog): times never go back in log order; a resourceVersion is
        // the step's own write, so across controllers recording at once only each object's own steps are ordered.
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.First.At <= p.Second.At));
        Assert.All(steps.GroupBy(s => s.Subject), subject =>
            Assert.True(subject.Zip(subject.Skip(1)).All(p => p.First.ResourceVersion <= p.Second.ResourceVersion),
                $"{subject.Key}: {string.Join(", ", subject.Select(s => $"{s.Kind}@{s.ResourceVersion}"))}"));

        var gitRepository = await CustomAsync(client, "source.toolkit.fluxcd.io", "v1", "flux-system", "gitrepositories", "flux-system");
        Assert.Equal(revision, (string?)gitRepository["status"]!["artifact"]!["revision"]);
        AssertReady(gitRepository, "Succeeded", $"stored artifact for revision '{revision}'");

        var kustomization = await CustomAsync(client, "kustomize.toolkit.fluxcd.io", "v1", "flux-system", "kustomizations", "cilium");
        Assert.Equal(revision, (string?)kustomization["status"]!["lastAppliedRevision"]);
        Assert.Equal(revision, (string?)kustomization["status"]!["lastAttemptedRevision"]);
        AssertReady(kustomization, "ReconciliationSucceeded", $"Applied revision: {revision}");
        Assert.Equal("True", (string?)Condition(kustomization, "Healthy")!["status"]);

        var helmRelease = await CustomAsync(client, "helm.toolkit.fluxcd.io", "v2", "kube-system", "helmreleases", "cilium");
        var generation = (long)helmRelease["metadata"]!["generation"]!;
        Assert.Equal((long)helmBefore["metadata"]!["generation"]! + 1, generation);
        Assert.Equal(generation, (long)helmRelease["status"]!["observedGeneration"]!);
        AssertReady(helmRelease, "UpgradeSucceeded", "Helm upgrade succeeded for release kube-system/cilium.v2 with chart cilium@1.18.2");
        Assert.Equal(generation, (long)Condition(helmRelease, "Ready")!["observedGeneration"]!);
        var latest = helmRelease["status"]!["history"]![0]!;
        Assert.Equal("deployed", (string?)latest["status"]);
        Assert.Equal("1.18.2", (string?)latest["chartVersion"]);
        Assert.Equal((string?)helmRelease["status"]!["lastAttemptedConfigDigest"], (string?)latest["configDigest"]);
        Assert.Equal("superseded", (string?)helmRelease["status"]!["history"]![1]!["status"]);

        var config = await client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system");
        Assert.Equal("true", config.Data["enable-wireguard"]);
        var daemonSet = await client.AppsV1.ReadNamespacedDaemonSetAsync("cilium", "kube-system");
        Assert.Equal(daemonSet.Metadata.Generation, daemonSet.Status.ObservedGeneration);
        Assert.Equal(17, daemonSet.Status.UpdatedNumberScheduled);
        Assert.Equal(17, daemonSet.Status.NumberAvailable);

        var agents = (await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=cilium")).Items;
        Assert.Equal(17, agents.Count);
        Assert.DoesNotContain(agents, p => agentsBefore.Contains(p.Metadata.Name));
        var ciliumNodes = JsonNode.Parse(((JsonElement)await client.CustomObjects.ListClusterCustomObjectAsync("cilium.io", "v2", "ciliumnodes")).GetRawText())!["items"]!.AsArray();
        foreach (var agent in agents)
        {
            var (exitCode, stdout, _) = await ApiServerTests.Exec(client, agent.Metadata.Name, ["cilium-dbg", "status", "-o", "json"]);
            Assert.Equal(0, exitCode);
            var status = JsonNode.Parse(stdout)!;
            Assert.Equal("Wireguard", (string?)status["encryption"]!["mode"]);
            var wireguard = status["encryption"]!["wireguard"]!["interfaces"]![0]!;
            Assert.Equal(16, (int)wireguard["peer-count"]!);
            Assert.Equal(51871, (int)wireguard["listen-port"]!);
            Assert.Equal("cilium_wg0", (string?)wireguard["name"]);
            Assert.Equal("Disabled", (string?)status["encryption"]!["wireguard"]!["node-encryption"]);
            var ciliumNode = ciliumNodes.Single(n => (string?)n!["metadata"]!["name"] == agent.Spec.NodeName)!;
            Assert.Equal((string?)wireguard["public-key"], (string?)ciliumNode["metadata"]!["annotations"]!["network.cilium.io/wg-pub-key"]);
        }
        var (briefExit, brief, _) = await ApiServerTests.Exec(client, agents[0].Metadata.Name, ["cilium-dbg", "status", "--brief"]);
        Assert.Equal(0, briefExit);
        Assert.Equal("OK\n", brief);
    }

    [Fact]
    public async Task A_failed_helm_upgrade_shows_upgrade_failed_with_fluxs_message_and_changes_nothing_live()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync(o => o with { HealthCheckTimeout = TimeSpan.FromSeconds(1) });
        var client = cluster.Api.Client;
        cluster.Simulator.FailNextUpgrade("timed out waiting for the condition");
        var mark = cluster.Simulator.Log.LastSequence;

        var sha = await cluster.CommitAsync(SimulatedClusterFixture.WireguardOn);
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.HelmReleaseFailed, Deadline, mark);
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.KustomizationFailed, Deadline, mark);

        var helmRelease = await CustomAsync(client, "helm.toolkit.fluxcd.io", "v2", "kube-system", "helmreleases", "cilium");
        var ready = Condition(helmRelease, "Ready")!;
        Assert.Equal("False", (string?)ready["status"]);
        Assert.Equal("UpgradeFailed", (string?)ready["reason"]);
        Assert.Equal("Helm upgrade failed for release kube-system/cilium with chart cilium@1.18.2: timed out waiting for the condition", (string?)ready["message"]);
        Assert.Equal("False", (string?)Condition(helmRelease, "Released")!["status"]);
        Assert.Equal(1, (long)helmRelease["status"]!["failures"]!);
        Assert.Equal("failed", (string?)helmRelease["status"]!["history"]![0]!["status"]);
        var kustomization = await CustomAsync(client, "kustomize.toolkit.fluxcd.io", "v1", "flux-system", "kustomizations", "cilium");
        Assert.NotEqual($"main@sha1:{sha}", (string?)kustomization["status"]!["lastAppliedRevision"]);
        Assert.Equal("HealthCheckFailed", (string?)Condition(kustomization, "Ready")!["reason"]);
        Assert.False((await client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system")).Data.ContainsKey("enable-wireguard"));
    }

    [Fact]
    public async Task A_stuck_rollout_halts_after_k_nodes_with_helm_still_waiting_and_resumes_when_released()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync();
        var client = cluster.Api.Client;
        cluster.Simulator.StickRolloutAfter(5);
        var mark = cluster.Simulator.Log.LastSequence;

        await cluster.CommitAsync(SimulatedClusterFixture.WireguardOn);
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.RolloutStuck, Deadline, mark);

        var daemonSet = await client.AppsV1.ReadNamespacedDaemonSetAsync("cilium", "kube-system");
        Assert.Equal(daemonSet.Metadata.Generation, daemonSet.Status.ObservedGeneration);
        Assert.Equal(5, daemonSet.Status.UpdatedNumberScheduled);
        Assert.Equal(17, daemonSet.Status.DesiredNumberScheduled);
        var helmRelease = await CustomAsync(client, "helm.toolkit.fluxcd.io", "v2", "kube-system", "helmreleases", "cilium");
        Assert.Equal("True", (string?)Condition(helmRelease, "Reconciling")!["status"]);
        Assert.StartsWith("Running 'upgrade' action with timeout of", (string?)Condition(helmRelease, "Ready")!["message"], StringComparison.Ordinal);

        cluster.Simulator.StickRolloutAfter(null);

        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.HelmReleaseReady, Deadline, mark);
        Assert.Equal(17, (await client.AppsV1.ReadNamespacedDaemonSetAsync("cilium", "kube-system")).Status.UpdatedNumberScheduled);
    }

    [Fact]
    public async Task A_hand_edited_config_map_is_drift_until_helm_restores_it()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync();
        var client = cluster.Api.Client;

        cluster.Simulator.EditCiliumConfig("enable-wireguard", "true");
        Assert.Equal("true", (await client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system")).Data["enable-wireguard"]);

        cluster.Simulator.RestoreCiliumConfig();
        Assert.False((await client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system")).Data.ContainsKey("enable-wireguard"));
        Assert.Contains(cluster.Simulator.Steps, s => s.Kind == SimulatorStepKind.ConfigMapEdited);
    }

    [Fact]
    public async Task Agent_faults_show_in_exec_exit_codes_brief_output_and_peer_counts()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync(initial: SimulatedClusterFixture.WireguardOn);
        var client = cluster.Api.Client;
        var sim = cluster.Simulator;

        sim.FailAgentExec("node-05", ExecResult.Failure(1, "cilium: daemon unreachable\n"));
        sim.SetAgentHealth("node-06", new AgentHealth { Cilium = new ComponentHealth("Failure", "agent is not ready") });
        sim.SetAgentHealth("node-07", new AgentHealth { Kubernetes = new ComponentHealth("Warning", "1 of 3 API calls failed") });
        sim.LagWireguardPeers("node-08", 3);

        var unreachable = await ApiServerTests.Exec(client, sim.AgentPod("node-05"), ["cilium-dbg", "status", "-o", "json"]);
        var failing = await ApiServerTests.Exec(client, sim.AgentPod("node-06"), ["cilium-dbg", "status", "--brief"]);
        var warning = await ApiServerTests.Exec(client, sim.AgentPod("node-07"), ["cilium", "status", "--brief"]);
        var lagging = JsonNode.Parse((await ApiServerTests.Exec(client, sim.AgentPod("node-08"), ["cilium-dbg", "status", "-o", "json"])).Stdout)!;
        var healthy = JsonNode.Parse((await ApiServerTests.Exec(client, sim.AgentPod("node-09"), ["cilium", "status", "-o", "json"])).Stdout)!;

        Assert.Equal((1, "", "cilium: daemon unreachable\n"), unreachable);
        Assert.Equal((1, "error in cilium: agent is not ready\n"), (failing.ExitCode, failing.Stdout));
        Assert.Equal((0, "error in kubernetes: 1 of 3 API calls failed\n"), (warning.ExitCode, warning.Stdout));
        Assert.Equal(13, (int)lagging["encryption"]!["wireguard"]!["interfaces"]![0]!["peer-count"]!);
        Assert.Equal(16, (int)healthy["encryption"]!["wireguard"]!["interfaces"]![0]!["peer-count"]!);

        sim.LagWireguardPeers("node-08", 0);
        var caughtUp = JsonNode.Parse((await ApiServerTests.Exec(client, sim.AgentPod("node-08"), ["cilium-dbg", "status", "-o", "json"])).Stdout)!;
        Assert.Equal(16, (int)caughtUp["encryption"]!["wireguard"]!["interfaces"]![0]!["peer-count"]!);
    }

    [Fact]
    public async Task Hubble_observe_prints_a_nodes_host_flows_as_JSON_lines_honouring_verdict_since_and_last()
    {
        var hubble = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var audit = CiliumSettings.Defaults with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } };
        await using var cluster = await SimulatedClusterFixture.StartAsync(o => o with { HubbleTimeProvider = hubble }, audit);
        var client = cluster.Api.Client;
        var sim = cluster.Simulator;
        sim.AddAuditFlow("node-02", "10.4.0.20", 6443, time: hubble.GetUtcNow().AddMinutes(-20));
        sim.AddAuditFlow("node-02", "10.4.0.21", 10250, time: hubble.GetUtcNow().AddMinutes(-5));
        sim.AddAuditFlow("node-02", "10.4.0.22", 8472, "UDP", FlowDirection.Egress, hubble.GetUtcNow().AddMinutes(-1));
        sim.AddAuditFlow("node-03", "10.4.0.10", 6443);

        Task<(int ExitCode, string Stdout, string Stderr)> Observe(params string[] flags) =>
            ApiServerTests.Exec(client, sim.AgentPod("node-02"), ["hubble", "observe", .. flags]);
        List<JsonNode> Lines(string stdout) => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();

        var all = Lines((await Observe("--verdict", "AUDIT", "-o", "json")).Stdout);
        var recent = Lines((await Observe("--verdict", "AUDIT", "-o", "json", "--since", "15m")).Stdout);
        var last = Lines((await Observe("-o", "json", "--last", "1")).Stdout);
        var dropped = await Observe("--verdict", "DROPPED", "-o", "json");
        var unknown = await Observe("--no-such-flag");

        Assert.Equal([6443, 10250, 8472], all.Select(l => (int)l["flow"]!["l4"]!.AsObject().Single().Value!["destination_port"]!));
        Assert.All(all, l => Assert.Equal(("AUDIT", "node-02"), ((string?)l["flow"]!["verdict"], (string?)l["node_name"])));
        var ingress = all[1]["flow"]!;
        // node-02 is 10.4.0.11.
        Assert.Equal(("INGRESS", "10.4.0.21", "10.4.0.11"), ((string?)ingress["traffic_direction"], (string?)ingress["IP"]!["source"], (string?)ingress["IP"]!["destination"]));
        Assert.Equal("reserved:host", (string?)ingress["destination"]!["labels"]![0]);
        Assert.Equal("EGRESS", (string?)all[2]["flow"]!["traffic_direction"]);
        Assert.Equal([10250, 8472], recent.Select(l => (int)l["flow"]!["l4"]!.AsObject().Single().Value!["destination_port"]!));
        Assert.Equal(8472, (int)Assert.Single(last)["flow"]!["l4"]!["UDP"]!["destination_port"]!);
        Assert.Equal((0, ""), (dropped.ExitCode, dropped.Stdout));
        Assert.Equal(1, unknown.ExitCode);

        hubble.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal("", (await Observe("--verdict", "AUDIT", "-o", "json", "--since", "900s")).Stdout);
    }

    [Fact]
    public async Task Migration_leftovers_are_observable_through_the_api()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync();
        var client = cluster.Api.Client;

        cluster.Simulator.AddLeftovers(MigrationLeftovers.All);

        var daemonSets = (await client.AppsV1.ListNamespacedDaemonSetAsync("kube-system")).Items.Select(d => d.Metadata.Name).Order().ToArray();
        Assert.Equal(["cilium", "kube-flannel", "kube-proxy"], daemonSets);
        Assert.Equal(17, (await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app in (flannel)")).Items.Count);
        var legacy = (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=legacy-web")).Items;
        var endpoints = JsonNode.Parse(((JsonElement)await client.CustomObjects.ListClusterCustomObjectAsync("cilium.io", "v2", "ciliumendpoints")).GetRawText())!["items"]!.AsArray()
            .Select(e => (string?)e!["metadata"]!["name"]).ToHashSet();
        var oldestAgent = (await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=cilium")).Items.Min(p => p.Metadata.CreationTimestamp);
        Assert.NotEmpty(legacy);
        Assert.All(legacy, p => Assert.DoesNotContain(p.Metadata.Name, endpoints));
        Assert.All(legacy, p => Assert.True(p.Metadata.CreationTimestamp < oldestAgent));
        Assert.Contains(endpoints, name => name!.StartsWith("coredns-", StringComparison.Ordinal));
        var status = JsonNode.Parse((await ApiServerTests.Exec(client, cluster.Simulator.AgentPod("node-01"), ["cilium-dbg", "status", "-o", "json"])).Stdout)!;
        Assert.Contains("flannel.1", status["kube-proxy-replacement"]!["devices"]!.AsArray().Select(d => (string?)d));
        Assert.Equal("vxlan", (await client.CoreV1.ReadNodeAsync("node-01")).Metadata.Annotations["flannel.alpha.coreos.com/backend-type"]);

        cluster.Simulator.RemoveLeftovers(MigrationLeftovers.All);
        Assert.Equal(["cilium"], (await client.AppsV1.ListNamespacedDaemonSetAsync("kube-system")).Items.Select(d => d.Metadata.Name));
    }

    [Fact]
    public async Task With_reconcile_requests_required_a_commit_waits_for_the_requested_at_annotation_and_it_is_echoed()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync(o => o with { RequireReconcileRequest = true });
        var client = cluster.Api.Client;
        var mark = cluster.Simulator.Log.LastSequence;
        var sha = await cluster.CommitAsync(SimulatedClusterFixture.WireguardOn);
        var polls = cluster.Simulator.GitPolls;
        await Eventually.WaitAsync(() => Task.FromResult<long?>(cluster.Simulator.GitPolls), n => n >= polls + 3, what: "three looks at the branch");
        Assert.DoesNotContain(cluster.Simulator.Steps, s => s.Sequence > mark && s.Kind == SimulatorStepKind.ArtifactStored);

        const string requestedAt = "2026-08-20T10:15:00.123456789Z";
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["reconcile.fluxcd.io/requestedAt"] = requestedAt } } }.ToJsonString(), V1Patch.PatchType.MergePatch),
            "source.toolkit.fluxcd.io", "v1", "flux-system", "gitrepositories", "flux-system");

        var stored = await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.ArtifactStored, Deadline, mark);
        Assert.Equal($"main@sha1:{sha}", stored.Revision);
        var gitRepository = await CustomAsync(client, "source.toolkit.fluxcd.io", "v1", "flux-system", "gitrepositories", "flux-system");
        Assert.Equal(requestedAt, (string?)gitRepository["status"]!["lastHandledReconcileAt"]);
    }

    [Fact]
    public async Task Bbr_without_ebpf_host_routing_crash_loops_the_first_new_agent_and_stalls_the_rollout()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync();
        var mark = cluster.Simulator.Log.LastSequence;

        await cluster.CommitAsync(CiliumSettings.Defaults with
        {
            BandwidthManager = new BandwidthManagerSettings { Enabled = true, Bbr = true },
            Bpf = new BpfSettings { Masquerade = true, HostLegacyRouting = true },
        });

        var crash = await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.PodCrashLooping, Deadline, mark);
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.RolloutStuck, Deadline, mark);
        Assert.Contains("BBR setup requires BPF host routing", crash.Detail, StringComparison.Ordinal);
        var daemonSet = await cluster.Api.Client.AppsV1.ReadNamespacedDaemonSetAsync("cilium", "kube-system");
        Assert.Equal(16, daemonSet.Status.NumberReady);
    }

    [Fact]
    // How fast and how small the simulator is at this size belongs to bench/ (`poll` runs a cluster of
    // thousands of nodes and reports its time side by side with a baseline): measured here, on the whole
    // test process while other tests run, it only measured the neighbours.
    public async Task A_5000_node_cluster_seeds_and_lists_in_pages()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync(o => o with { NodeCount = 5_000 });
        var client = cluster.Api.Client;
        cluster.Api.Server.Requests.Reset();

        var pods = new HashSet<string>();
        string? token = null;
        do
        {
            var page = await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=cilium", limit: 500, continueParameter: token);
            Assert.True(page.Items.Count <= 500, $"a page of {page.Items.Count} items was served for limit=500");
            foreach (var pod in page.Items) Assert.True(pods.Add(pod.Metadata.Name), $"{pod.Metadata.Name} was listed twice");
            token = page.Metadata.ContinueProperty;
        }
        while (token is not null);

        Assert.Equal(5_000, pods.Count);
        Assert.Equal(10, cluster.Api.Server.Requests["list", "pods"]);
    }

    private static async Task<JsonObject> CustomAsync(IKubernetes client, string group, string version, string @namespace, string plural, string name) =>
        JsonNode.Parse(((JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(group, version, @namespace, plural, name)).GetRawText())!.AsObject();

    private static JsonNode? Condition(JsonNode obj, string type) =>
        obj["status"]!["conditions"]!.AsArray().FirstOrDefault(c => (string?)c!["type"] == type);

    private static void AssertReady(JsonNode obj, string reason, string? message = null)
    {
        var ready = Condition(obj, "Ready")!;
        Assert.Equal("True", (string?)ready["status"]);
        Assert.Equal(reason, (string?)ready["reason"]);
        if (message is not null) Assert.Equal(message, (string?)ready["message"]);
        Assert.Equal((long?)obj["metadata"]!["generation"], (long?)obj["status"]!["observedGeneration"]);
    }
}
