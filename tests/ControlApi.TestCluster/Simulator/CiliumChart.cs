using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// What installing or upgrading the Cilium chart writes that ControlApi looks at: the
/// <c>cilium-config</c> ConfigMap, the <c>cilium</c> DaemonSet's pod template (image from the chart
/// version; with <c>rollOutCiliumPods</c> a checksum annotation of the config, so a config change
/// rolls the agents — without it the agents keep running the old config) and the
/// <c>hubble-ui</c> Service.
/// </summary>
internal sealed class CiliumChart(ObjectStore store, SimulatorStepLog steps)
{
    public const string ConfigMapName = "cilium-config";
    public const string HubbleUiService = "hubble-ui";

    /// <summary>A documentation address (TEST-NET-1) standing in for what the LoadBalancer hands out.</summary>
    public const string HubbleUiLoadBalancerIp = "192.0.2.80";

    public static string Image(string chartVersion) => $"quay.io/cilium/cilium:v{chartVersion}";

    /// <summary>Applies the rendered objects; returns the DaemonSet's generation afterwards.</summary>
    /// <exception cref="ChartRenderException">The values make a template fail; nothing was applied.</exception>
    public long Apply(HelmValues values, string chartVersion, string? revision)
    {
        var data = CiliumConfigMapper.Render(values);

        var before = store.Get(KubernetesResources.ConfigMaps, ClusterObjects.CiliumNamespace, ConfigMapName)?.ResourceVersion;
        var map = store.Upsert(KubernetesResources.ConfigMaps, ClusterObjects.ConfigMap(ConfigMapName, ClusterObjects.CiliumNamespace, data));
        if (map.ResourceVersion != before)
            steps.Record(SimulatorStepKind.CiliumConfigUpdated, $"ConfigMap/{ClusterObjects.CiliumNamespace}/{ConfigMapName}", Describe(data), revision, map.ResourceVersion);

        ApplyHubbleUi(values, revision);

        var annotations = new JsonObject();
        if (values.IsTrue("rollOutCiliumPods")) annotations[ClusterObjects.ConfigChecksumAnnotation] = Checksum(data);
        var existing = store.Get(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, RolloutSimulator.DaemonSetName);
        if (existing is null)
        {
            var created = store.Create(KubernetesResources.DaemonSets, ClusterObjects.DaemonSet(
                RolloutSimulator.DaemonSetName, ClusterObjects.CiliumNamespace, RolloutSimulator.Selector, ClusterObjects.AgentContainer, Image(chartVersion), annotations));
            return created.ToJsonObject()["metadata"]!["generation"]!.GetValue<long>();
        }
        var oldGeneration = existing.ToJsonObject()["metadata"]!["generation"]!.GetValue<long>();
        var updated = store.Mutate(KubernetesResources.DaemonSets, ClusterObjects.CiliumNamespace, RolloutSimulator.DaemonSetName, ds =>
        {
            var template = ds["spec"]!["template"]!.AsObject();
            template["metadata"]!["annotations"] = annotations;
            template["spec"]!["containers"]![0]!["image"] = Image(chartVersion);
        })!;
        var generation = updated.ToJsonObject()["metadata"]!["generation"]!.GetValue<long>();
        if (generation != oldGeneration)
            steps.Record(SimulatorStepKind.DaemonSetUpdated, $"DaemonSet/{ClusterObjects.CiliumNamespace}/{RolloutSimulator.DaemonSetName}", $"generation {generation}", revision, updated.ResourceVersion);
        return generation;
    }

    /// <summary>The hubble-ui Service exists when Hubble, Relay and the UI are on (templates/hubble-ui/service.yaml).</summary>
    private void ApplyHubbleUi(HelmValues values, string? revision)
    {
        var wanted = values.IsTrue("hubble.enabled") && values.IsTrue("hubble.relay.enabled") && values.IsTrue("hubble.ui.enabled");
        StoredObject? result;
        if (wanted)
        {
            var type = values.Text("hubble.ui.service.type") ?? "ClusterIP";
            var annotations = (values["hubble.ui.service.annotations"] as JsonObject)?.DeepClone() as JsonObject;
            var before = store.Get(KubernetesResources.Services, ClusterObjects.CiliumNamespace, HubbleUiService)?.ResourceVersion;
            result = store.Upsert(KubernetesResources.Services, ClusterObjects.Service(
                HubbleUiService, ClusterObjects.CiliumNamespace, type, annotations,
                new Dictionary<string, string> { ["k8s-app"] = "hubble-ui" }, 80, 8081, HubbleUiLoadBalancerIp));
            if (result.ResourceVersion == before) return;
        }
        else
        {
            result = store.TryDelete(KubernetesResources.Services, ClusterObjects.CiliumNamespace, HubbleUiService);
            if (result is null) return;
        }
        steps.Record(SimulatorStepKind.HubbleUiServiceUpdated, $"Service/{ClusterObjects.CiliumNamespace}/{HubbleUiService}", wanted ? "applied" : "deleted", revision, result.ResourceVersion);
    }

    private static string Checksum(IReadOnlyDictionary<string, string> data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", data.Select(d => $"{d.Key}={d.Value}")))));

    private static string Describe(IReadOnlyDictionary<string, string> data) =>
        string.Join(", ", new[] { "enable-wireguard", "enable-ipsec", "encrypt-node", "enable-host-firewall", "enable-bandwidth-manager", "enable-bbr", "routing-mode", "tunnel-protocol" }
            .Select(k => $"{k}={data.GetValueOrDefault(k, "-")}"));
}
