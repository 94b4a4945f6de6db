using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// The DaemonSet controller, kubelet and agent start-up for the <c>cilium</c> DaemonSet: when the
/// pod template changes (a new generation), pods are replaced one node at a time — old pod
/// Terminating, deleted, new pod (new name and uid) Pending, then Running and Ready once its
/// agent started with the cilium-config it read — and the DaemonSet status counts along. An agent
/// whose configuration is fatal (e.g. BBR without eBPF host routing) crash-loops and the rollout
/// halts there, as <c>maxUnavailable</c> would make it. An agent pod deleted by someone else
/// (<c>kubectl delete pod</c>, ControlApi's canary) is recreated on its node at once, as the
/// DaemonSet controller does; the new agent reads cilium-config overlaid with the <c>defaults</c>
/// of every CiliumNodeConfig whose <c>nodeSelector</c> matches its node's labels, in name order
/// (CRD ciliumnodeconfigs.yaml: later ones overwrite), as the agent does when it starts.
/// </summary>
internal sealed class RolloutSimulator(
    ObjectStore store,
    AgentFleet fleet,
    SimulatorStepLog steps,
    ClusterSimulatorOptions options,
    IReadOnlyList<SimulatedNode> nodes,
    Random random)
{
    public const string DaemonSetName = "cilium";
    public static readonly IReadOnlyDictionary<string, string> Selector = new Dictionary<string, string> { ["k8s-app"] = "cilium" };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _fatalConfig = new(StringComparer.Ordinal);
    private bool _watching;
    private int? _stuckAfter;
    private string? _completedHash;
    private string? _stuckReported;

    /// <summary>Signalled when the DaemonSet template or a rollout knob changed.</summary>
    public Pulse Changed { get; } = new();

    /// <summary>Signalled after every DaemonSet status update (Helm's wait listens).</summary>
    public Pulse Progressed { get; } = new();

    /// <summary>The rollout stops once this many nodes run the new template (null: no limit).</summary>
    public int? StuckAfter
    {
        get { lock (_gate) return _stuckAfter; }
        set
        {
            lock (_gate)
            {
                _stuckAfter = value;
                _stuckReported = null;
            }
            Changed.Signal();
        }
    }

    /// <summary>An agent that starts with <paramref name="key"/> set to <paramref name="value"/> crash-loops (a config the node cannot run).</summary>
    public void FailAgentsWith(string key, string value)
    {
        lock (_gate) _fatalConfig[key] = value;
    }

    public static string TemplateHash(JsonObject daemonSet) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(daemonSet["spec"]!["template"]!.ToJsonString())))[..10];

    /// <summary>True when the DaemonSet at <paramref name="generation"/> is updated, ready and available on every node.</summary>
    public bool IsComplete(long generation)
    {
        var ds = store.Get(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, DaemonSetName)?.ToJsonObject();
        var status = ds?["status"];
        if (ds is null || status is null) return false;
        var desired = status["desiredNumberScheduled"]?.GetValue<int>() ?? -1;
        return ds["metadata"]!["generation"]!.GetValue<long>() == generation
            && status["observedGeneration"]?.GetValue<long>() == generation
            && status["updatedNumberScheduled"]?.GetValue<int>() == desired
            && status["numberReady"]?.GetValue<int>() == desired
            && status["numberAvailable"]?.GetValue<int>() == desired;
    }

    /// <summary>Creates a running, ready agent pod on every node at once (the cluster as it was before the test).</summary>
    public void Seed(IReadOnlyDictionary<string, string> config)
    {
        var ds = store.Get(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, DaemonSetName)!.ToJsonObject();
        var hash = TemplateHash(ds);
        var generation = ds["metadata"]!["generation"]!.GetValue<long>();
        var now = options.TimeProvider.GetUtcNow();
        foreach (var node in nodes)
        {
            var pod = NewPod(node, ds, hash, generation);
            ClusterObjects.SetPodRunning(pod, ClusterObjects.AgentContainer, node.InternalIp, now, ready: true);
            store.Create(KubernetesResources.Pods, pod);
            var name = pod["metadata"]!["name"]!.GetValue<string>();
            fleet.AssignPod(node.Name, name, hash, AgentPhase.Running);
            fleet.With(node.Name, agent => agent.Config = config);
        }
        _completedHash = hash;
        WriteStatus(generation, hash);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_watching) store.Deleted += (resource, _) => { if (resource == KubernetesResources.Pods) Changed.Signal(); };
            _watching = true;
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = Changed.Next;
            await ConvergeAsync(cancellationToken);
            await wake.WaitAsync(cancellationToken);
        }
    }

    private async Task ConvergeAsync(CancellationToken cancellationToken)
    {
        var dsObject = store.Get(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, DaemonSetName);
        if (dsObject is null) return;
        var ds = dsObject.ToJsonObject();
        var hash = TemplateHash(ds);
        var generation = ds["metadata"]!["generation"]!.GetValue<long>();
        WriteStatus(generation, hash);

        foreach (var node in nodes)
        {
            if (cancellationToken.IsCancellationRequested) return;
            var (onTemplate, phase, podName) = fleet.With(node.Name, a => (a.TemplateHash == hash, a.Phase, a.PodName));
            var podGone = podName is not null && phase != AgentPhase.Terminating && store.Get(KubernetesResources.Pods, ClusterObjects.CiliumNamespace, podName) is null;
            if (podGone)
            {
                // Deleted by someone else: the DaemonSet controller creates the node's pod again at once (same template).
                Record(SimulatorStepKind.PodDeleted, $"Pod/{ClusterObjects.CiliumNamespace}/{podName}", $"on {node.Name}, deleted by a client");
                await ReplacePodAsync(node, ds, fleet.With(node.Name, a => a.TemplateHash) ?? hash, generation, cancellationToken);
                continue;
            }
            if (onTemplate && phase == AgentPhase.Running) continue;
            if (onTemplate && phase == AgentPhase.CrashLooping)
            {
                ReportStuck(hash, $"{node.Name}: agent pod is in CrashLoopBackOff");
                return;
            }
            var (_, updated, _) = fleet.Counts(hash);
            if (StuckAfter is { } limit && updated >= limit)
            {
                ReportStuck(hash, $"halted after {updated} of {nodes.Count} nodes");
                return;
            }
            // A newer template wins: start over towards it.
            if (TemplateHash(store.Get(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, DaemonSetName)!.ToJsonObject()) != hash)
            {
                Changed.Signal();
                return;
            }
            await ReplacePodAsync(node, ds, hash, generation, cancellationToken);
            if (fleet.With(node.Name, a => a.Phase) == AgentPhase.CrashLooping)
            {
                // The unavailable budget is spent on a pod that never gets ready: the controller stops here.
                ReportStuck(hash, $"{node.Name}: agent pod is in CrashLoopBackOff");
                return;
            }
        }

        var (desired, done, ready) = fleet.Counts(hash);
        if (done == desired && ready == desired && _completedHash != hash)
        {
            _completedHash = hash;
            Record(SimulatorStepKind.RolloutCompleted, $"DaemonSet/{ClusterObjects.CiliumNamespace}/{DaemonSetName}", $"generation {generation}: {ready}/{desired} updated and ready");
        }
    }

    private async Task ReplacePodAsync(SimulatedNode node, JsonObject ds, string hash, long generation, CancellationToken cancellationToken)
    {
        var oldPod = fleet.With(node.Name, a => a.PodName);
        if (oldPod is not null && store.Get(KubernetesResources.Pods, ClusterObjects.CiliumNamespace, oldPod) is not null)
        {
            store.Mutate(KubernetesResources.Pods, ClusterObjects.CiliumNamespace, oldPod, pod =>
            {
                pod["metadata"]!["deletionTimestamp"] = KubeTime.Format(options.TimeProvider.GetUtcNow());
                pod["metadata"]!["deletionGracePeriodSeconds"] = 1;
            });
            fleet.With(node.Name, a => a.Phase = AgentPhase.Terminating);
            WriteStatus(generation, hash);
            Record(SimulatorStepKind.PodTerminating, $"Pod/{ClusterObjects.CiliumNamespace}/{oldPod}", $"on {node.Name}");
            await Task.Delay(options.PodTerminationDelay, options.TimeProvider, cancellationToken);
            store.TryDelete(KubernetesResources.Pods, ClusterObjects.CiliumNamespace, oldPod);
            Record(SimulatorStepKind.PodDeleted, $"Pod/{ClusterObjects.CiliumNamespace}/{oldPod}", $"on {node.Name}");
        }

        var pod = NewPod(node, ds, hash, generation);
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        store.Create(KubernetesResources.Pods, pod);
        fleet.AssignPod(node.Name, name, hash, AgentPhase.Pending);
        WriteStatus(generation, hash);
        Record(SimulatorStepKind.PodCreated, $"Pod/{ClusterObjects.CiliumNamespace}/{name}", $"on {node.Name}, template {hash}");
        await Task.Delay(options.PodStartDelay, options.TimeProvider, cancellationToken);

        // The agent reads cilium-config and its node's CiliumNodeConfigs once, at start.
        var config = ConfigFor(node);
        var fatal = AgentStatusFactory.FatalStartError(config) ?? FatalByKnob(config);
        var now = options.TimeProvider.GetUtcNow();
        store.Mutate(KubernetesResources.Pods, ClusterObjects.CiliumNamespace, name, p =>
            ClusterObjects.SetPodRunning(p, ClusterObjects.AgentContainer, node.InternalIp, now, ready: fatal is null, crashMessage: fatal, restarts: fatal is null ? 0 : 3));
        fleet.With(node.Name, a =>
        {
            a.Config = config;
            a.Phase = fatal is null ? AgentPhase.Running : AgentPhase.CrashLooping;
        });
        WriteStatus(generation, hash);
        if (fatal is not null)
        {
            Record(SimulatorStepKind.PodCrashLooping, $"Pod/{ClusterObjects.CiliumNamespace}/{name}", $"on {node.Name}: {fatal}");
            return;
        }
        PublishWireguardKey(node, config);
        Record(SimulatorStepKind.PodReady, $"Pod/{ClusterObjects.CiliumNamespace}/{name}", $"on {node.Name}");
        Record(SimulatorStepKind.NodeRolledOut, node.Name, $"template {hash}");
    }

    /// <summary>The agent publishes its WireGuard key on its CiliumNode when WireGuard is on, and withdraws it when off.</summary>
    public void PublishWireguardKey(SimulatedNode node, IReadOnlyDictionary<string, string> config)
    {
        var on = config.GetValueOrDefault("enable-wireguard") == "true";
        var key = fleet.With(node.Name, a => a.WireguardKey);
        var before = store.Get(KubernetesResources.CiliumNodes, null, node.Name)?.ResourceVersion;
        var after = store.Mutate(KubernetesResources.CiliumNodes, null, node.Name, ciliumNode =>
        {
            var annotations = ciliumNode["metadata"]!["annotations"] as JsonObject ?? new JsonObject();
            ciliumNode["metadata"]!["annotations"] = annotations;
            if (on) annotations[ClusterObjects.WireguardKeyAnnotation] = key;
            else annotations.Remove(ClusterObjects.WireguardKeyAnnotation);
        });
        if (after is not null && after.ResourceVersion != before)
            Record(on ? SimulatorStepKind.WireguardKeyPublished : SimulatorStepKind.WireguardKeyRemoved, $"CiliumNode/{node.Name}", on ? key : "");
    }

    private string? FatalByKnob(IReadOnlyDictionary<string, string> config)
    {
        lock (_gate)
        {
            return _fatalConfig.FirstOrDefault(f => config.GetValueOrDefault(f.Key) == f.Value) is { Key: not null } hit
                ? $"level=fatal msg=\"agent cannot start with {hit.Key}={hit.Value} on this node\""
                : null;
        }
    }

    /// <summary>cilium-config, overlaid with the defaults of the CiliumNodeConfigs in the Cilium namespace that select the node, in name order.</summary>
    private Dictionary<string, string> ConfigFor(SimulatedNode node)
    {
        var config = CurrentConfig().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var labels = (store.Get(KubernetesResources.Nodes, null, node.Name)?.ToJsonObject()["metadata"]?["labels"] as JsonObject ?? [])
            .ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
        foreach (var (_, stored) in store.Snapshot(KubernetesResources.CiliumNodeConfigs).Objects.OrderBy(o => o.Value.Name, StringComparer.Ordinal))
        {
            var nodeConfig = stored.ToJsonObject();
            if (nodeConfig["metadata"]?["namespace"]?.GetValue<string>() != ClusterObjects.CiliumNamespace) continue;
            if (!NodeConfigSelector.Selects(nodeConfig["spec"]?["nodeSelector"] as JsonObject, labels)) continue;
            foreach (var (key, value) in nodeConfig["spec"]?["defaults"] as JsonObject ?? [])
                config[key] = value?.GetValue<string>() ?? "";
        }
        return config;
    }

    private IReadOnlyDictionary<string, string> CurrentConfig()
    {
        var map = store.Get(KubernetesResources.ConfigMaps, ClusterObjects.CiliumNamespace, "cilium-config")?.ToJsonObject();
        return (map?["data"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
    }

    private JsonObject NewPod(SimulatedNode node, JsonObject ds, string hash, long generation)
    {
        // generateName's suffix alphabet; a name that is taken is drawn again, as the API server would make the controller retry.
        string name;
        do
        {
            lock (random) name = "cilium-" + new string(Enumerable.Range(0, 5).Select(_ => "bcdfghjklmnpqrstvwxz2456789"[random.Next(27)]).ToArray());
        }
        while (store.Get(KubernetesResources.Pods, ClusterObjects.CiliumNamespace, name) is not null);
        var image = ds["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        var pod = ClusterObjects.DaemonSetPod(name, ClusterObjects.CiliumNamespace, node, Selector, hash, generation, ClusterObjects.AgentContainer, image,
            DaemonSetName, ds["metadata"]!["uid"]?.GetValue<string>());
        if (ds["spec"]!["template"]!["metadata"]!["annotations"] is JsonObject annotations)
            pod["metadata"]!["annotations"] = annotations.DeepClone();
        return pod;
    }

    private void WriteStatus(long generation, string hash)
    {
        var (desired, updated, ready) = fleet.Counts(hash);
        store.Mutate(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, DaemonSetName, ds => ds["status"] = new JsonObject
        {
            ["currentNumberScheduled"] = desired,
            ["desiredNumberScheduled"] = desired,
            ["numberMisscheduled"] = 0,
            ["numberReady"] = ready,
            ["numberAvailable"] = ready,
            ["numberUnavailable"] = desired - ready,
            ["updatedNumberScheduled"] = updated,
            ["observedGeneration"] = generation,
        });
        Progressed.Signal();
    }

    private void ReportStuck(string hash, string detail)
    {
        lock (_gate)
        {
            if (_stuckReported == hash) return;
            _stuckReported = hash;
        }
        Record(SimulatorStepKind.RolloutStuck, $"DaemonSet/{ClusterObjects.CiliumNamespace}/{DaemonSetName}", detail);
    }

    private void Record(SimulatorStepKind kind, string subject, string detail) =>
        steps.Record(kind, subject, detail, revision: null, store.ResourceVersion);
}
