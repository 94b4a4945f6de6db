using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// A Talos cluster running Flux and Cilium behind a <see cref="TestKubernetesApiServer"/>: seeded
/// with the seed cluster's objects, converged to the bare GitOps repository's head, then moving the
/// way the controllers do when a new commit lands (see <see cref="FluxSimulator"/>,
/// <see cref="RolloutSimulator"/>), with the agents answering <c>cilium-dbg status</c> over exec.
/// Every visible change is a <see cref="SimulatorStep"/>.
/// </summary>
public sealed class ClusterSimulator : IAsyncDisposable
{
    public static readonly IReadOnlyList<IReadOnlyList<string>> StatusJsonCommands =
    [
        ["cilium-dbg", "status", "-o", "json"],
        ["cilium", "status", "-o", "json"],
    ];

    public static readonly IReadOnlyList<IReadOnlyList<string>> StatusBriefCommands =
    [
        ["cilium-dbg", "status", "--brief"],
        ["cilium", "status", "--brief"],
    ];

    /// <summary>The Talos-recommended install (cilium/NOTES.md), used when the repository has no HelmRelease yet.</summary>
    private const string TalosBootstrapValues = """
        ipam: {mode: kubernetes}
        kubeProxyReplacement: "true"
        k8sServiceHost: localhost
        k8sServicePort: 7445
        cgroup: {autoMount: {enabled: false}, hostRoot: /sys/fs/cgroup}
        encryption: {enabled: false, type: wireguard}
        hubble: {enabled: true, relay: {enabled: false}, ui: {enabled: false}}
        rollOutCiliumPods: true
        operator: {rollOutPods: true}
        """;

    private readonly ClusterSimulatorOptions _options;
    private readonly AgentFleet _fleet;
    private readonly RolloutSimulator _rollout;
    private readonly FluxSimulator _flux;
    private readonly CiliumChart _chart;
    private readonly LeftoverSeeder _leftovers;
    private readonly HubbleFlows _hubble;
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    private ClusterSimulator(TestKubernetesApiServer server, ClusterSimulatorOptions options)
    {
        if (options.NodeCount < 1) throw new ArgumentOutOfRangeException(nameof(options), "A cluster needs at least one node.");
        Server = server;
        _options = options;
        Log = new SimulatorStepLog(options.TimeProvider);
        var width = Math.Max(2, options.NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        Nodes = Enumerable.Range(0, options.NodeCount)
            .Select(i => new SimulatedNode(i, $"node-{(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0')}", i < options.ControlPlaneNodes))
            .ToArray();
        var random = new Random(options.Seed);
        Source = new GitOpsSource(options.RepositoryPath, options.Branch);
        _fleet = new AgentFleet(Nodes, random);
        _rollout = new RolloutSimulator(server.Store, _fleet, Log, options, Nodes, random);
        _chart = new CiliumChart(server.Store, Log);
        _flux = new FluxSimulator(server.Store, Source, _chart, _rollout, Log, options);
        _leftovers = new LeftoverSeeder(server.Store, _fleet, Nodes, options.TimeProvider, Log);
        _hubble = new HubbleFlows(Nodes, () => options.HubbleTimeProvider.GetUtcNow());
    }

    /// <summary>Seeds the cluster converged to the repository's head and starts the controllers.</summary>
    public static async Task<ClusterSimulator> StartAsync(TestKubernetesApiServer server, ClusterSimulatorOptions options, CancellationToken cancellationToken = default)
    {
        var simulator = new ClusterSimulator(server, options);
        await simulator.SeedAsync(cancellationToken);
        simulator.RegisterAgentCommands();
        simulator.RegisterHubble();
        simulator._running = simulator.RunAsync(simulator._stopping.Token);
        return simulator;
    }

    public TestKubernetesApiServer Server { get; }
    public IReadOnlyList<SimulatedNode> Nodes { get; }
    public GitOpsSource Source { get; }
    public SimulatorStepLog Log { get; }
    public IReadOnlyList<SimulatorStep> Steps => Log.Steps;

    /// <summary>How often the branch head was read so far.</summary>
    public long GitPolls => _flux.Polls;

    public Task<SimulatorStep> WaitForStepAsync(Func<SimulatorStep, bool> match, TimeSpan timeout, long afterSequence = 0, CancellationToken cancellationToken = default) =>
        Log.WaitForAsync(match, timeout, afterSequence, cancellationToken);

    /// <summary>The next Helm upgrade fails: Ready=False <c>UpgradeFailed</c> with Flux's message ending in <paramref name="error"/>, Released=False, failures+1.</summary>
    public void FailNextUpgrade(string error = "cannot patch \"cilium\" with kind DaemonSet: admission webhook denied the request", int upgrades = 1) =>
        _flux.FailNextUpgrade(error, upgrades);

    /// <summary>helm-controller retries the failed upgrade now (its remediation retries).</summary>
    public void RetryFailedUpgrade() => _flux.RetryFailedUpgrade();

    /// <summary>The DaemonSet rollout halts once <paramref name="nodes"/> nodes run the new template; null lets it go on.</summary>
    public void StickRolloutAfter(int? nodes) => _rollout.StuckAfter = nodes;

    /// <summary>Hand-edits <c>cilium-config</c> as <c>kubectl edit</c> would (drift); a null value removes the key.</summary>
    public void EditCiliumConfig(string key, string? value)
    {
        var edited = Server.Store.Mutate(KubernetesResources.ConfigMaps, ClusterObjects.CiliumNamespace, CiliumChart.ConfigMapName, map =>
        {
            var data = map["data"] as JsonObject ?? new JsonObject();
            if (value is null) data.Remove(key);
            else data[key] = value;
            map["data"] = data;
        }) ?? throw new InvalidOperationException("cilium-config does not exist.");
        Log.Record(SimulatorStepKind.ConfigMapEdited, $"ConfigMap/{ClusterObjects.CiliumNamespace}/{CiliumChart.ConfigMapName}", $"{key}={value ?? "(removed)"}", null, edited.ResourceVersion);
    }

    /// <summary>Helm puts <c>cilium-config</c> back as the release renders it (drift correction), without rolling the agents.</summary>
    public void RestoreCiliumConfig()
    {
        var hr = Server.Store.Get(KubernetesResources.HelmReleases, FluxSimulator.HelmReleaseNamespace, FluxSimulator.HelmReleaseName)!.ToJsonObject();
        var data = CiliumConfigMapper.Render(FluxManifests.ValuesOf(hr));
        var restored = Server.Store.Mutate(KubernetesResources.ConfigMaps, ClusterObjects.CiliumNamespace, CiliumChart.ConfigMapName, map =>
            map["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))))!;
        Log.Record(SimulatorStepKind.CiliumConfigUpdated, $"ConfigMap/{ClusterObjects.CiliumNamespace}/{CiliumChart.ConfigMapName}", "restored from the release", null, restored.ResourceVersion);
    }

    /// <summary>An agent that starts with cilium-config (or a CiliumNodeConfig) setting <paramref name="key"/> to <paramref name="value"/> crash-loops.</summary>
    public void FailAgentsWith(string key, string value) => _rollout.FailAgentsWith(key, value);

    /// <summary>The cilium-config data the agent on <paramref name="node"/> read when it started.</summary>
    public IReadOnlyDictionary<string, string> AgentConfig(string node) => _fleet.With(node, a => a.Config);

    /// <summary>Makes the agent on <paramref name="node"/> report these component states (json and <c>--brief</c>).</summary>
    public void SetAgentHealth(string node, AgentHealth health) => _fleet.With(node, a => a.Health = health);

    /// <summary>Every exec into the agent on <paramref name="node"/> returns this instead (e.g. exit 1, <c>cilium: daemon unreachable</c>); null clears it.</summary>
    public void FailAgentExec(string node, ExecResult? result) => _fleet.With(node, a => a.ExecFault = result);

    /// <summary>The agent on <paramref name="node"/> reports <paramref name="missing"/> fewer WireGuard peers than there are (0 clears).</summary>
    public void LagWireguardPeers(string node, int missing) => _fleet.With(node, a => a.MissingPeers = missing);

    /// <summary>
    /// A flow the node's host policy would drop, for <c>hubble observe</c> in that node's agent (verdict AUDIT while
    /// the agent runs in policy audit mode). <paramref name="time"/> defaults to the Hubble clock's now.
    /// </summary>
    public void AddAuditFlow(string node, string peer, int port, string protocol = "TCP", FlowDirection direction = FlowDirection.Ingress,
        DateTimeOffset? time = null, string peerLabel = "reserved:remote-node") =>
        _hubble.Add(new HostFlow(node, peer, port, protocol, direction, time ?? _options.HubbleTimeProvider.GetUtcNow(), peerLabel));

    public void AddLeftovers(MigrationLeftovers leftovers) => _leftovers.Add(leftovers);

    public void RemoveLeftovers(MigrationLeftovers leftovers) => _leftovers.Remove(leftovers);

    /// <summary>The pod currently running the agent on <paramref name="node"/>.</summary>
    public string AgentPod(string node) => _fleet.With(node, a => a.PodName!);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
        _stopping.Dispose();
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var store = Server.Store;
        foreach (var ns in new[] { ClusterObjects.FluxNamespace, LeftoverSeeder.LegacyPodNamespace })
        {
            if (store.Get(KubernetesResources.Namespaces, null, ns) is null) store.Create(KubernetesResources.Namespaces, ClusterObjects.Namespace(ns));
        }
        foreach (var node in Nodes)
        {
            store.Create(KubernetesResources.Nodes, ClusterObjects.Node(node));
            store.Create(KubernetesResources.CiliumNodes, ClusterObjects.CiliumNode(node, wireguardKey: null));
        }

        var head = await Source.HeadAsync(cancellationToken);
        IReadOnlyList<BuiltObject> built = [];
        if (head is not null)
        {
            try
            {
                built = await FluxManifests.BuildAsync(Source, head, _options.CiliumPath, cancellationToken);
            }
            catch (KustomizeBuildException)
            {
                built = [];
            }
        }
        if (!built.Any(b => b.Resource == KubernetesResources.HelmReleases))
            built = [.. built, BootstrapRelease()];

        var release = built.First(b => b.Resource == KubernetesResources.HelmReleases).Object;
        var values = FluxManifests.ValuesOf(release);
        var chartVersion = release["spec"]?["chart"]?["spec"]?["version"]?.GetValue<string>() ?? "1.18.2";
        var config = CiliumConfigMapper.Render(values);
        _flux.Seed(head, built, values, chartVersion);
        _chart.Apply(values, chartVersion, revision: null);
        _rollout.Seed(config);
        foreach (var node in Nodes) _rollout.PublishWireguardKey(node, config);
        SeedWorkloads();
    }

    /// <summary>CoreDNS pods, managed by Cilium (each with its CiliumEndpoint) — the contrast to pods left on the old CNI.</summary>
    private void SeedWorkloads()
    {
        var now = _options.TimeProvider.GetUtcNow();
        for (var i = 0; i < Math.Min(2, Nodes.Count); i++)
        {
            var node = Nodes[^(i + 1)];
            var name = $"coredns-6d4b75cb6d-{(char)('a' + i)}x{i}k9";
            var ip = node.PodIp(10 + i);
            Server.Store.Create(KubernetesResources.Pods, ClusterObjects.WorkloadPod(name, ClusterObjects.CiliumNamespace, node,
                new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }, "coredns", "registry.k8s.io/coredns/coredns:v1.12.1", ip, now));
            Server.Store.Create(KubernetesResources.CiliumEndpoints, ClusterObjects.CiliumEndpoint(name, ClusterObjects.CiliumNamespace, ip, node));
        }
    }

    private BuiltObject BootstrapRelease()
    {
        var values = FluxManifests.Documents(_options.BootstrapValuesYaml ?? TalosBootstrapValues, "bootstrap values").FirstOrDefault() ?? new JsonObject();
        var release = new JsonObject
        {
            ["apiVersion"] = KubernetesResources.HelmReleases.ApiVersion,
            ["kind"] = KubernetesResources.HelmReleases.Kind,
            ["metadata"] = new JsonObject { ["name"] = FluxSimulator.HelmReleaseName, ["namespace"] = FluxSimulator.HelmReleaseNamespace },
            ["spec"] = new JsonObject
            {
                ["interval"] = "30m0s",
                ["chart"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["chart"] = "cilium",
                        ["version"] = "1.18.2",
                        ["sourceRef"] = new JsonObject { ["kind"] = "HelmRepository", ["name"] = "cilium", ["namespace"] = ClusterObjects.FluxNamespace },
                    },
                },
                ["values"] = values,
            },
        };
        return new BuiltObject(KubernetesResources.HelmReleases, release);
    }

    private void RegisterAgentCommands()
    {
        foreach (var command in StatusJsonCommands)
        {
            Server.Exec.Register(command, (request, _) => Task.FromResult(Answer(request, view =>
                ExecResult.Success(AgentStatusFactory.StatusJson(view).ToJsonString() + "\n"))), ClusterObjects.AgentContainer);
        }
        foreach (var command in StatusBriefCommands)
        {
            Server.Exec.Register(command, (request, _) => Task.FromResult(Answer(request, view =>
            {
                var (exitCode, output) = AgentStatusFactory.Brief(view);
                return new ExecResult(exitCode, output);
            })), ClusterObjects.AgentContainer);
        }
    }

    private void RegisterHubble() =>
        Server.Exec.RegisterProgram("hubble", (request, _) => Task.FromResult(Answer(request, view => _hubble.Observe(request.Command, view))),
            ClusterObjects.AgentContainer);

    private ExecResult Answer(ExecRequest request, Func<AgentView, ExecResult> answer)
    {
        if (_fleet.ViewOfPod(request.Pod) is not { } agent)
            return ExecResult.Failure(1, "Error: Cannot get status: Get \"http://localhost/v1/healthz\": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory\ncilium: daemon unreachable\n");
        return agent.Fault ?? answer(agent.View);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var loops = new[]
        {
            Guard("source-controller", PollGitAsync(cancellationToken)),
            Guard("kustomize-controller", _flux.RunKustomizationAsync(cancellationToken)),
            Guard("helm-controller", _flux.RunHelmReleaseAsync(cancellationToken)),
            Guard("daemonset-controller", _rollout.RunAsync(cancellationToken)),
        };
        await Task.WhenAll(loops);
    }

    /// <summary>A controller that dies is a simulator bug: it becomes a step (so a waiting test's timeout shows it) and the error surfaces at dispose.</summary>
    private async Task Guard(string controller, Task loop)
    {
        try
        {
            await loop;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Record(SimulatorStepKind.ControllerFailed, controller, e.ToString(), null, Server.Store.ResourceVersion);
            throw;
        }
    }

    private async Task PollGitAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.GitPollInterval, _options.TimeProvider);
        do
        {
            await _flux.PollAsync(cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
