using System.Text.Json;
using ControlApi.Core.Clusters;

namespace ControlApi.Core.Observation;

public static class LeftoverKinds
{
    /// <summary>A DaemonSet of the old networking still present (kube-flannel, kube-proxy).</summary>
    public const string DaemonSet = "daemonset";
    /// <summary>A running pod Cilium does not manage: created while the old CNI was in charge.</summary>
    public const string Pod = "pod";
    /// <summary>An old CNI's network device Cilium attached to (flannel.1 among its devices).</summary>
    public const string Device = "device";
}

/// <summary>One thing the Flannel + kube-proxy → Cilium migration left behind.</summary>
public sealed record MigrationLeftover(string Kind, string Subject, string Detail)
{
    /// <summary>Stable identity for "have we reported this already".</summary>
    public string Key => $"{Kind}:{Subject}";

    public override string ToString() => Detail;
}

/// <summary>A running, non-host-network pod without a CiliumEndpoint (Cilium's own "unmanaged pod" test).</summary>
public sealed record UnmanagedPod(string Namespace, string Name, string? Node);

/// <summary>
/// The seed cluster's migration pains as findings: both CNIs running at once (a kube-flannel or
/// kube-proxy DaemonSet still there), pods still wired by Flannel, and <c>flannel.1</c> among the
/// devices the agent's host firewall or kube-proxy replacement attached to.
/// </summary>
public static class MigrationLeftoverEvaluator
{
    /// <summary>Device names of the old CNI (Flannel's VXLAN device and bridge).</summary>
    public static readonly IReadOnlySet<string> OldCniDevices = new HashSet<string>(StringComparer.Ordinal) { "flannel.1", "cni0" };

    /// <param name="maxPods">Pods are reported by name up to this many; beyond it one finding counts the rest.</param>
    public static IReadOnlyList<MigrationLeftover> Find(
        IEnumerable<ObjectRef> presentDaemonSets,
        IReadOnlyList<UnmanagedPod> unmanagedPods,
        int totalUnmanagedPods,
        IEnumerable<AgentReport> agents,
        int maxPods = 20)
    {
        ArgumentNullException.ThrowIfNull(presentDaemonSets);
        ArgumentNullException.ThrowIfNull(unmanagedPods);
        ArgumentNullException.ThrowIfNull(agents);
        var found = new List<MigrationLeftover>();

        foreach (var ds in presentDaemonSets.OrderBy(d => d.ToString(), StringComparer.Ordinal))
            found.Add(new(LeftoverKinds.DaemonSet, ds.ToString(),
                $"DaemonSet {ds} is still present: it runs beside Cilium and should be deleted (Talos: cni none, proxy disabled)"));

        foreach (var pod in unmanagedPods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).Take(maxPods))
            found.Add(new(LeftoverKinds.Pod, $"{pod.Namespace}/{pod.Name}",
                $"pod {pod.Namespace}/{pod.Name}{(pod.Node is null ? "" : $" on {pod.Node}")} has no CiliumEndpoint: it still runs on the old CNI; restart it"));
        if (totalUnmanagedPods > Math.Min(maxPods, unmanagedPods.Count))
            found.Add(new(LeftoverKinds.Pod, "(more)",
                $"{totalUnmanagedPods - Math.Min(maxPods, unmanagedPods.Count)} more pod(s) have no CiliumEndpoint"));

        foreach (var agent in agents.Where(a => a.Readable).OrderBy(a => a.Node ?? a.Pod, StringComparer.Ordinal))
        {
            var devices = Devices(agent.Status!.Value, "host-firewall").Concat(Devices(agent.Status.Value, "kube-proxy-replacement"))
                .Where(OldCniDevices.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var device in devices)
            {
                var node = agent.Node ?? agent.Pod;
                found.Add(new(LeftoverKinds.Device, $"{node}/{device}",
                    $"node {node}: Cilium attached to {device}, a device of the old CNI; remove it (reboot the node or delete the link)"));
            }
        }
        return found;
    }

    private static IEnumerable<string> Devices(JsonElement status, string section)
    {
        if (status.ValueKind != JsonValueKind.Object || !status.TryGetProperty(section, out var part) || part.ValueKind != JsonValueKind.Object)
            yield break;
        if (part.TryGetProperty("devices", out var devices) && devices.ValueKind == JsonValueKind.Array)
            foreach (var d in devices.EnumerateArray())
                if (d.ValueKind == JsonValueKind.String && d.GetString() is { } name) yield return name;
    }
}
