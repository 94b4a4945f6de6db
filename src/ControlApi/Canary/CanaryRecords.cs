using System.Text.Json;
using ControlApi.Core.Canary;
using ControlApi.Core.Revisions;
using ControlApi.Data.Entities;

namespace ControlApi.Canary;

/// <summary>How a change asks to be rolled out: everywhere at once, or first on the nodes a selector picks.</summary>
public sealed record RolloutRequest(NodeSelector? Nodes)
{
    /// <summary>The selector from the request, else the cluster's <c>Canary:NodeSelector</c>; null when neither names nodes.</summary>
    public NodeSelector? NodesOr(Configuration.ManagedCluster cluster) =>
        Nodes ?? (string.IsNullOrWhiteSpace(cluster.Canary.NodeSelector) ? null : NodeSelector.Parse(cluster.Canary.NodeSelector).Selector);
}

/// <summary>A revision's canary as the API shows it.</summary>
/// <param name="NodeSelector">The nodes that try the change first (kubectl's selector form).</param>
/// <param name="Keys">The cilium-config keys, with their new values, the CiliumNodeConfig carries.</param>
/// <param name="Nodes">The nodes whose agents the canary restarted (empty until it did).</param>
/// <param name="PromotedAt">When it was promoted to every node; null while it is a canary.</param>
public sealed record CanaryResource(
    string NodeSelector,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyList<string> Nodes,
    DateTimeOffset? PromotedAt,
    string? PromotedBy)
{
    public static CanaryResource? From(Revision revision) => revision.CanarySelector is null ? null : new(
        revision.CanarySelector,
        CanaryRecords.Keys(revision),
        CanaryRecords.RestartedPods(revision).Keys.Order(StringComparer.Ordinal).ToArray(),
        revision.PromotedAt,
        revision.PromotedBy);
}

/// <summary>Reading and writing the canary columns of a stored revision.</summary>
public static class CanaryRecords
{
    /// <summary>A canary that was not promoted: its commit carries the CiliumNodeConfig, not the cluster-wide values.</summary>
    public static bool IsOpenCanary(Revision revision) => revision.CanarySelector is not null && revision.PromotedAt is null;

    public static NodeSelector Selector(Revision revision) =>
        NodeSelector.Parse(revision.CanarySelector).Selector
        ?? throw new InvalidOperationException($"The stored canary selector of revision {revision.ClusterId}/{revision.Number} no longer parses.");

    public static IReadOnlyDictionary<string, string> Keys(Revision revision) =>
        revision.CanaryKeysJson is null ? new Dictionary<string, string>()
        : JsonSerializer.Deserialize<SortedDictionary<string, string>>(revision.CanaryKeysJson) ?? new SortedDictionary<string, string>();

    public static CanaryOverlay Overlay(Revision revision) => new(Selector(revision), Keys(revision));

    /// <summary>Node → the agent pod the canary deleted there.</summary>
    public static IReadOnlyDictionary<string, string> RestartedPods(Revision revision) =>
        revision.CanaryPodsJson is null ? new Dictionary<string, string>()
        : JsonSerializer.Deserialize<SortedDictionary<string, string>>(revision.CanaryPodsJson) ?? new SortedDictionary<string, string>();

    public static string Serialize(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal));

    /// <summary>
    /// The current revision is a canary not promoted: its settings are not what the other nodes run, so
    /// a canary on top of it would compare against the wrong values. Promote it, or roll back, first.
    /// </summary>
    public static bool Blocks(Revision revision) =>
        IsOpenCanary(revision) && RevisionStates.Parse(revision.State) is not (RevisionState.Superseded or RevisionState.NoChange);
}
