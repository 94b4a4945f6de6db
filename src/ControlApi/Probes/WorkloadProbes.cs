using System.Text.Json;
using ControlApi.Core.Clusters;
using ControlApi.Core.Observation;
using k8s;
using k8s.Models;

namespace ControlApi.Probes;

/// <summary>Reads a DaemonSet's rollout counters (apps/v1).</summary>
public sealed class DaemonSetProbe
{
    public static async Task<DaemonSetStatus> ReadAsync(ClusterConnection connection, ObjectRef reference, CancellationToken cancellationToken)
    {
        var ds = await KubernetesCalls.GetOrNullAsync(connection.Options, $"reading DaemonSet {reference}",
            ct => connection.Client.AppsV1.ReadNamespacedDaemonSetAsync(reference.Name, reference.Namespace, cancellationToken: ct), cancellationToken);
        if (ds is null) return DaemonSetStatus.Missing(reference);
        var s = ds.Status;
        return new DaemonSetStatus(reference, true,
            ds.Metadata?.Generation ?? 0, s?.ObservedGeneration ?? 0,
            s?.DesiredNumberScheduled ?? 0, s?.CurrentNumberScheduled ?? 0, s?.UpdatedNumberScheduled ?? 0,
            s?.NumberReady ?? 0, s?.NumberAvailable ?? 0, s?.NumberUnavailable ?? 0);
    }
}

/// <summary>Reads the live <c>cilium-config</c> ConfigMap's data (null when it does not exist).</summary>
public sealed class CiliumConfigProbe
{
    public static async Task<IReadOnlyDictionary<string, string>?> ReadAsync(ClusterConnection connection, ObjectRef reference, CancellationToken cancellationToken)
    {
        var map = await KubernetesCalls.GetOrNullAsync(connection.Options, $"reading ConfigMap {reference}",
            ct => connection.Client.CoreV1.ReadNamespacedConfigMapAsync(reference.Name, reference.Namespace, cancellationToken: ct), cancellationToken);
        return map is null ? null : new Dictionary<string, string>(map.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }
}

/// <summary>
/// Lists CiliumNodes page by page and notes which lack a WireGuard public key. Only names are kept,
/// so memory stays small on thousands of nodes.
/// </summary>
public sealed class CiliumNodeProbe
{
    public static async Task<WireGuardKeys?> ReadAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var nodes = 0;
        var withoutKey = new List<string>();
        var found = await KubernetesCalls.ForEachClusterCustomObjectAsync(connection, ApiResources.CiliumNode, item =>
        {
            nodes++;
            if (string.IsNullOrEmpty(item.String("metadata", "annotations", WireGuardKeys.Annotation)))
                withoutKey.Add(item.String("metadata", "name") ?? "");
        }, cancellationToken);
        // No CiliumNode CRD: Cilium is not installed (yet).
        return found ? new WireGuardKeys(nodes, withoutKey) : null;
    }
}

/// <summary>The Hubble UI Service, and where it is reachable when exposed through a LoadBalancer.</summary>
public sealed record HubbleUiService(string Service, string Type, IReadOnlyList<string> Addresses, string? Hostname)
{
    public bool Exposed => Type == "LoadBalancer" && Addresses.Count > 0;
}

public sealed class HubbleUiProbe
{
    /// <summary>The external-dns annotation the rendered values put on the Service.</summary>
    public const string HostnameAnnotation = "external-dns.alpha.kubernetes.io/hostname";

    public static async Task<HubbleUiService?> ReadAsync(ClusterConnection connection, ObjectRef reference, CancellationToken cancellationToken)
    {
        var service = await KubernetesCalls.GetOrNullAsync(connection.Options, $"reading Service {reference}",
            ct => connection.Client.CoreV1.ReadNamespacedServiceAsync(reference.Name, reference.Namespace, cancellationToken: ct), cancellationToken);
        if (service is null) return null;
        var addresses = (service.Status?.LoadBalancer?.Ingress ?? [])
            .Select(i => i.Ip ?? i.Hostname).OfType<string>().ToList();
        var hostname = service.Metadata?.Annotations is { } annotations && annotations.TryGetValue(HostnameAnnotation, out var h) ? h : null;
        return new HubbleUiService(reference.ToString(), service.Spec?.Type ?? "ClusterIP", addresses, hostname);
    }
}

/// <summary>An agent pod as the agent probe needs it.</summary>
public sealed record AgentPod(string Namespace, string Name, string? Node, bool Running);

public sealed class AgentPodProbe
{
    /// <summary>The agent pods (<c>k8s-app=cilium</c>), listed with <c>limit</c>/<c>continue</c>.</summary>
    public static async Task<IReadOnlyList<AgentPod>> ListAsync(ClusterConnection connection, string @namespace, CancellationToken cancellationToken)
    {
        var pods = new List<AgentPod>();
        string? token = null;
        do
        {
            var page = await KubernetesCalls.RunAsync(connection.Options, $"listing agent pods in {@namespace}",
                ct => connection.Client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: connection.Options.AgentLabelSelector,
                    limit: connection.Options.PageSize, continueParameter: token, cancellationToken: ct), cancellationToken);
            pods.AddRange(page.Items.Select(p => new AgentPod(@namespace, p.Metadata.Name, p.Spec?.NodeName,
                p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null)));
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));
        return pods;
    }
}
