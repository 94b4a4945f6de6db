using System.Text.Json;
using ControlApi.Configuration;
using ControlApi.Core.LiveState;
using ControlApi.Core.Settings;
using ControlApi.Probes;

namespace ControlApi.Adoption;

/// <summary>The cluster's own <c>cilium</c> HelmRelease, and whether the pipeline ControlApi writes to applied it.</summary>
/// <param name="Object">The live object as the API server returns it.</param>
/// <param name="AppliedBy">The Flux Kustomization that applied it (<c>namespace/name</c> from kustomize-controller's labels), or null.</param>
public sealed record LiveHelmRelease(JsonElement Object, string? AppliedBy)
{
    /// <summary>
    /// Applied by something other than the Flux Kustomization ControlApi follows: a hand-made
    /// <c>flux create</c>, another repository, another path. Its values are then nobody's in this repository.
    /// </summary>
    public bool IsForeign(ManagedCluster cluster) => AppliedBy != cluster.Profile.Kustomization.ToString();
}

/// <summary>One key of <c>cilium-config</c> whose live value differs from what the adopted settings expect.</summary>
public sealed record LiveDrift(string Key, string Expected, string Live);

/// <summary>Reads what the cluster itself runs, for adoption: the HelmRelease and the live <c>cilium-config</c>.</summary>
public sealed class LiveReleaseProbe(KubernetesConnections connections)
{
    /// <summary>kustomize-controller labels every object it applies with its Kustomization's name and namespace.</summary>
    private const string KustomizationNameLabel = "kustomize.toolkit.fluxcd.io/name";
    private const string KustomizationNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace";

    /// <returns>The HelmRelease, or null when the cluster is not connected or has none. Throws <see cref="ClusterUnreachableException"/>.</returns>
    public async Task<LiveHelmRelease?> ReadAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        if (connections.For(cluster) is not { } connection) return null;
        var found = await KubernetesCalls.GetCustomObjectOrNullAsync(connection, ApiResources.HelmRelease, cluster.Profile.HelmRelease, cancellationToken);
        if (found is not { } release) return null;
        string? appliedBy = null;
        if (release.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("labels", out var labels)
            && labels.TryGetProperty(KustomizationNameLabel, out var name) && labels.TryGetProperty(KustomizationNamespaceLabel, out var ns))
            appliedBy = $"{ns.GetString()}/{name.GetString()}";
        return new LiveHelmRelease(release, appliedBy);
    }

    /// <summary>The keys of the live <c>cilium-config</c> that differ from what <paramref name="settings"/> would render; null when not connected or absent.</summary>
    public async Task<IReadOnlyList<LiveDrift>?> DriftAsync(ManagedCluster cluster, CiliumSettings settings, CancellationToken cancellationToken)
    {
        if (connections.For(cluster) is not { } connection) return null;
        var expected = ExpectedLiveState.From(cluster.Profile, settings);
        var data = await CiliumConfigProbe.ReadAsync(connection, expected.ConfigMap, cancellationToken);
        return data is null ? null : ConfigMapDriftEvaluator.Compare(expected.ConfigKeys, data)
            .Select(d => new LiveDrift(d.Key, d.Desired, d.Actual)).ToList();
    }
}
