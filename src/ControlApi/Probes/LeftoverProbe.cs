using System.Text.Json;
using ControlApi.Core.Clusters;
using ControlApi.Core.Observation;
using k8s;

namespace ControlApi.Probes;

/// <summary>What the migration probe found: old DaemonSets present, and pods Cilium does not manage.</summary>
public sealed record LeftoverFindings(IReadOnlyList<ObjectRef> DaemonSets, IReadOnlyList<UnmanagedPod> UnmanagedPods, int TotalUnmanagedPods, bool PodsChecked);

/// <summary>
/// Looks for what the move from Flannel + kube-proxy left behind. A pod Cilium manages has a
/// CiliumEndpoint of the same namespace and name; a running pod outside the host network without
/// one was wired by the old CNI (the same test cilium-operator's unmanaged-pod restart uses). Both
/// lists are read page by page; only names are kept.
/// </summary>
public sealed class LeftoverProbe
{
    /// <summary>Unmanaged pods named in findings; the rest are counted.</summary>
    public const int MaxPodsNamed = 20;

    public static async Task<LeftoverFindings> ReadAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var present = new List<ObjectRef>();
        foreach (var text in connection.Options.LeftoverDaemonSets)
        {
            if (!ObjectRef.TryParse(text, out var reference)) continue;
            var ds = await KubernetesCalls.GetOrNullAsync(connection.Options, $"reading DaemonSet {reference}",
                ct => connection.Client.AppsV1.ReadNamespacedDaemonSetAsync(reference!.Name, reference.Namespace, cancellationToken: ct), cancellationToken);
            if (ds is not null) present.Add(reference!);
        }

        if (!connection.Options.FindUnmanagedPods) return new LeftoverFindings(present, [], 0, false);
        try
        {
            return await UnmanagedPodsAsync(connection, present, cancellationToken);
        }
        catch (ClusterUnreachableException ex) when (ex.InnerException is k8s.Autorest.HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Forbidden })
        {
            // An optional check the account may not be granted (cluster-wide pods, CiliumEndpoints):
            // the cluster is still observed, only this finding is missing.
            return new LeftoverFindings(present, [], 0, false);
        }
    }

    private static async Task<LeftoverFindings> UnmanagedPodsAsync(ClusterConnection connection, List<ObjectRef> present, CancellationToken cancellationToken)
    {
        var endpoints = await EndpointsAsync(connection, cancellationToken);
        // No endpoints at all: the CRD is absent or disabled (disableEndpointCRD), so absence proves nothing.
        if (endpoints is null || endpoints.Count == 0) return new LeftoverFindings(present, [], 0, false);

        var unmanaged = new List<UnmanagedPod>();
        var total = 0;
        string? token = null;
        do
        {
            var page = await KubernetesCalls.RunAsync(connection.Options, "listing running pods",
                ct => connection.Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "status.phase=Running",
                    limit: connection.Options.PageSize, continueParameter: token, cancellationToken: ct), cancellationToken);
            foreach (var pod in page.Items)
            {
                if (pod.Spec?.HostNetwork == true || pod.Status?.Phase != "Running" || pod.Metadata.DeletionTimestamp is not null) continue;
                if (endpoints.Contains($"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}")) continue;
                total++;
                if (unmanaged.Count < MaxPodsNamed) unmanaged.Add(new UnmanagedPod(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Spec?.NodeName));
            }
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));
        return new LeftoverFindings(present, unmanaged, total, true);
    }

    private static async Task<HashSet<string>?> EndpointsAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var found = await KubernetesCalls.ForEachClusterCustomObjectAsync(connection, ApiResources.CiliumEndpoint,
            item => names.Add($"{item.String("metadata", "namespace")}/{item.String("metadata", "name")}"), cancellationToken);
        return found ? names : null;
    }
}
