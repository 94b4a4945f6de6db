using System.Net;
using ControlApi.Probes;
using k8s;
using k8s.Autorest;

namespace ControlApi.Canary;

/// <summary>A node's name and labels, which a canary's selector is matched against.</summary>
public sealed record NodeLabels(string Name, IReadOnlyDictionary<string, string> Labels);

public static class NodeProbe
{
    /// <summary>Every node with its labels, listed with <c>limit</c>/<c>continue</c>.</summary>
    public static async Task<IReadOnlyList<NodeLabels>> ListAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var nodes = new List<NodeLabels>();
        string? token = null;
        do
        {
            var page = await KubernetesCalls.RunAsync(connection.Options, "listing nodes",
                ct => connection.Client.CoreV1.ListNodeAsync(limit: connection.Options.PageSize, continueParameter: token, cancellationToken: ct), cancellationToken);
            nodes.AddRange(page.Items.Select(n => new NodeLabels(n.Metadata.Name,
                (IReadOnlyDictionary<string, string>?)n.Metadata.Labels?.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>())));
            token = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));
        return nodes;
    }
}

/// <summary>
/// Restarts an agent the documented way: delete its pod and let the DaemonSet create a new one,
/// which reads cilium-config and the CiliumNodeConfigs for its node as it starts. RBAC: delete on
/// pods in the Cilium namespace only.
/// </summary>
public static class AgentPodRestarter
{
    public static Task DeleteAsync(ClusterConnection connection, AgentPod pod, CancellationToken cancellationToken) =>
        KubernetesCalls.RunAsync<object?>(connection.Options, $"deleting agent pod {pod.Namespace}/{pod.Name}", async ct =>
        {
            try
            {
                await connection.Client.CoreV1.DeleteNamespacedPodAsync(pod.Name, pod.Namespace, cancellationToken: ct);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                // Already gone (deleted by someone else, or by an earlier attempt): what was wanted.
            }
            return null;
        }, cancellationToken);
}
