using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;

namespace ControlApi.Core.LiveState;

/// <summary>
/// What the cluster must show once a revision is live (SPEC §4 <c>Verified</c>): the controlled keys
/// of the <c>cilium-config</c> ConfigMap exactly as the chart renders them from the values
/// ControlApi renders, and the facts each agent's status must report.
/// </summary>
public sealed record ExpectedLiveState(
    ObjectRef ConfigMap,
    ObjectRef AgentDaemonSet,
    IReadOnlyList<ExpectedConfigKey> ConfigKeys,
    IReadOnlyList<ExpectedAgentFact> AgentFacts)
{
    /// <summary>The chart's fixed names (templates/cilium-configmap.yaml, cilium-agent/daemonset.yaml).</summary>
    public const string ConfigMapName = "cilium-config";
    public const string AgentDaemonSetName = "cilium";

    /// <param name="nodeCount">Nodes in the cluster, when known: WireGuard peers are checked against it.</param>
    public static ExpectedLiveState From(ClusterProfile cluster, CiliumSettings settings, int? nodeCount = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(settings);
        // The chart installs into the release namespace (no targetNamespace or namespaceOverride is rendered).
        var ns = cluster.HelmRelease.Namespace;
        return new ExpectedLiveState(
            new ObjectRef(ns, ConfigMapName),
            new ObjectRef(ns, AgentDaemonSetName),
            CiliumConfigTemplate.Render(HelmValuesBuilder.Build(cluster, settings)),
            LiveState.AgentFacts.For(settings, nodeCount));
    }

    public ExpectedConfigKey? Key(string key) => ConfigKeys.FirstOrDefault(k => k.Key == key);

    public bool Equals(ExpectedLiveState? other) =>
        other is not null && ConfigMap == other.ConfigMap && AgentDaemonSet == other.AgentDaemonSet
        && ConfigKeys.SequenceEqual(other.ConfigKeys) && AgentFacts.SequenceEqual(other.AgentFacts);

    public override int GetHashCode() => HashCode.Combine(ConfigMap, AgentDaemonSet, ConfigKeys.Count, AgentFacts.Count);
}
