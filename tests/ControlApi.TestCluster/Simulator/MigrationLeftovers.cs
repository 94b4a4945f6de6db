using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// What a Flannel + kube-proxy → Cilium migration can leave behind, each as the API shows it:
/// </summary>
[Flags]
public enum MigrationLeftovers
{
    None = 0,

    /// <summary>Talos' <c>kube-flannel</c> DaemonSet (kube-system, <c>k8s-app=flannel</c>) still scheduled, with a pod per node.</summary>
    FlannelDaemonSet = 1,

    /// <summary>The <c>kube-proxy</c> DaemonSet (kube-system, <c>k8s-app=kube-proxy</c>) still running beside kube-proxy replacement.</summary>
    KubeProxyDaemonSet = 2,

    /// <summary>
    /// Workload pods started before the switch and never restarted: created before every Cilium
    /// agent pod and without a CiliumEndpoint (Cilium does not manage them); their IP is from the
    /// same node pod CIDR, so the IP alone does not tell.
    /// </summary>
    PodsOnOldCni = 4,

    /// <summary>The <c>flannel.1</c> VXLAN device still on the hosts: agents list it among their devices (host firewall, KPR).</summary>
    FlannelInterface = 8,

    /// <summary>Nodes still annotated <c>flannel.alpha.coreos.com/*</c> by the old CNI.</summary>
    FlannelNodeAnnotations = 16,

    All = FlannelDaemonSet | KubeProxyDaemonSet | PodsOnOldCni | FlannelInterface | FlannelNodeAnnotations,
}

/// <summary>Adds and removes <see cref="MigrationLeftovers"/> in the store.</summary>
internal sealed class LeftoverSeeder(ObjectStore store, AgentFleet fleet, IReadOnlyList<SimulatedNode> nodes, TimeProvider time, SimulatorStepLog steps)
{
    public const string LegacyPodNamespace = "default";
    private const string FlannelAnnotationPrefix = "flannel.alpha.coreos.com/";

    public void Add(MigrationLeftovers leftovers)
    {
        if (leftovers.HasFlag(MigrationLeftovers.FlannelDaemonSet))
            AddDaemonSet("kube-flannel", "flannel", "kube-flannel", "ghcr.io/siderolabs/flannel:v0.26.7");
        if (leftovers.HasFlag(MigrationLeftovers.KubeProxyDaemonSet))
            AddDaemonSet("kube-proxy", "kube-proxy", "kube-proxy", "registry.k8s.io/kube-proxy:v1.33.0");
        if (leftovers.HasFlag(MigrationLeftovers.PodsOnOldCni))
        {
            var switchTime = time.GetUtcNow() - TimeSpan.FromDays(30);
            for (var i = 0; i < Math.Min(3, nodes.Count); i++)
            {
                var node = nodes[i];
                var pod = ClusterObjects.WorkloadPod($"legacy-web-{i}", LegacyPodNamespace, node, new Dictionary<string, string> { ["app"] = "legacy-web" },
                    "web", "nginx:1.27", node.PodIp(200 + i), switchTime);
                store.Create(KubernetesResources.Pods, pod, createdAt: switchTime);
            }
        }
        if (leftovers.HasFlag(MigrationLeftovers.FlannelInterface))
            fleet.ExtraDevices = ["flannel.1"];
        if (leftovers.HasFlag(MigrationLeftovers.FlannelNodeAnnotations))
        {
            foreach (var node in nodes)
            {
                store.Mutate(KubernetesResources.Nodes, null, node.Name, n =>
                {
                    var annotations = n["metadata"]!["annotations"] as JsonObject ?? new JsonObject();
                    annotations[FlannelAnnotationPrefix + "backend-type"] = "vxlan";
                    annotations[FlannelAnnotationPrefix + "kube-subnet-manager"] = "true";
                    annotations[FlannelAnnotationPrefix + "public-ip"] = node.InternalIp;
                    n["metadata"]!["annotations"] = annotations;
                });
            }
        }
        steps.Record(SimulatorStepKind.LeftoverAdded, "cluster", leftovers.ToString(), null, store.ResourceVersion);
    }

    public void Remove(MigrationLeftovers leftovers)
    {
        if (leftovers.HasFlag(MigrationLeftovers.FlannelDaemonSet)) RemoveDaemonSet("kube-flannel", "flannel");
        if (leftovers.HasFlag(MigrationLeftovers.KubeProxyDaemonSet)) RemoveDaemonSet("kube-proxy", "kube-proxy");
        if (leftovers.HasFlag(MigrationLeftovers.PodsOnOldCni))
        {
            foreach (var pod in store.Snapshot(KubernetesResources.Pods).Objects.Values.Where(p => p.Labels.GetValueOrDefault("app") == "legacy-web"))
                store.TryDelete(KubernetesResources.Pods, pod.Namespace, pod.Name);
        }
        if (leftovers.HasFlag(MigrationLeftovers.FlannelInterface)) fleet.ExtraDevices = [];
        if (leftovers.HasFlag(MigrationLeftovers.FlannelNodeAnnotations))
        {
            foreach (var node in nodes)
            {
                store.Mutate(KubernetesResources.Nodes, null, node.Name, n =>
                {
                    if (n["metadata"]!["annotations"] is not JsonObject annotations) return;
                    foreach (var key in annotations.Select(a => a.Key).Where(k => k.StartsWith(FlannelAnnotationPrefix, StringComparison.Ordinal)).ToArray())
                        annotations.Remove(key);
                });
            }
        }
        steps.Record(SimulatorStepKind.LeftoverRemoved, "cluster", leftovers.ToString(), null, store.ResourceVersion);
    }

    private void AddDaemonSet(string name, string app, string container, string image)
    {
        var selector = new Dictionary<string, string> { ["k8s-app"] = app };
        var created = store.Create(KubernetesResources.DaemonSets,
            ClusterObjects.DaemonSet(name, ClusterObjects.CiliumNamespace, selector, container, image, new JsonObject()), createdAt: time.GetUtcNow() - TimeSpan.FromDays(90));
        var uid = created.ToJsonObject()["metadata"]!["uid"]!.GetValue<string>();
        var now = time.GetUtcNow();
        foreach (var node in nodes)
        {
            var pod = ClusterObjects.DaemonSetPod($"{name}-{node.Index:x5}", ClusterObjects.CiliumNamespace, node, selector, "5f7d9c8b6a", 1, container, image, name, uid);
            ClusterObjects.SetPodRunning(pod, container, node.InternalIp, now, ready: true);
            store.Create(KubernetesResources.Pods, pod, createdAt: now - TimeSpan.FromDays(90));
        }
        store.Mutate(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, name, ds => ds["status"] = new JsonObject
        {
            ["currentNumberScheduled"] = nodes.Count, ["desiredNumberScheduled"] = nodes.Count, ["numberMisscheduled"] = 0,
            ["numberReady"] = nodes.Count, ["numberAvailable"] = nodes.Count, ["updatedNumberScheduled"] = nodes.Count, ["observedGeneration"] = 1,
        });
    }

    private void RemoveDaemonSet(string name, string app)
    {
        store.TryDelete(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, name);
        foreach (var pod in store.Snapshot(KubernetesResources.Pods).Objects.Values.Where(p => p.Labels.GetValueOrDefault("k8s-app") == app))
            store.TryDelete(KubernetesResources.Pods, pod.Namespace, pod.Name);
    }
}
