using System.Text.Json.Serialization;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;

namespace ControlApi.Core.Revisions;

/// <summary>How much a change can hurt a running cluster, least first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeRisk>))]
public enum ChangeRisk
{
    /// <summary>No agent restarts: Hubble UI, relay, BGP peers and other objects beside the agents.</summary>
    [JsonStringEnumMemberName("routine")] Routine,

    /// <summary>Restarts every agent (a cilium-config key, the chart) or changes the nodes' Talos config.</summary>
    [JsonStringEnumMemberName("disruptive")] Disruptive,

    /// <summary>Can cut nodes or pods off while it rolls out; Cilium documents it as a migration, not a toggle.</summary>
    [JsonStringEnumMemberName("dangerous")] Dangerous,
}

/// <summary>One reason a change has its risk: the setting (or key) and why, for people to read.</summary>
public sealed record RiskReason(ChangeRisk Risk, string Subject, string Why);

/// <summary>The risk class of a change with every reason for it, highest first.</summary>
public sealed record RiskAssessment(ChangeRisk Risk, IReadOnlyList<RiskReason> Reasons)
{
    public static RiskAssessment Routine { get; } = new(ChangeRisk.Routine, []);
}

/// <summary>
/// Classifies a change from the settings before and after it. Pure: the same two settings always
/// give the same class, so a plan, the change answer, chat and the audit say the same.
/// </summary>
public static class ChangeRisks
{
    /// <summary>
    /// Warnings that the rules give for transitions which can cut connectivity: a change carrying
    /// one is dangerous whatever else it does. One list, so a new rule that says so is classified too.
    /// </summary>
    public static IReadOnlySet<string> DangerousWarnings { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ValidationCodes.RoutingChangeDisruptsPodTraffic,
    };

    public static RiskAssessment Assess(ClusterProfile cluster, CiliumSettings current, CiliumSettings desired, IEnumerable<ValidationIssue>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        var reasons = new List<RiskReason>();

        // Routing: every packet between nodes changes its path while agents restart one by one
        // (RoutingRules; Cilium "Routing" docs: switching modes on a live cluster disrupts pod traffic).
        if (current.Routing.Mode != desired.Routing.Mode)
            reasons.Add(new(ChangeRisk.Dangerous, "routing.mode", RiskMessages.Routing));
        else if (current.Routing.Mode == RoutingMode.Tunnel && (current.Routing.TunnelProtocol ?? TunnelProtocol.Vxlan) != (desired.Routing.TunnelProtocol ?? TunnelProtocol.Vxlan))
            reasons.Add(new(ChangeRisk.Dangerous, "routing.tunnelProtocol", RiskMessages.Routing));
        // kube-proxy replacement: service translation moves between kube-proxy and the agents, and
        // existing connections through services break (cilium #16139).
        if (current.KubeProxyReplacement != desired.KubeProxyReplacement)
            reasons.Add(new(ChangeRisk.Dangerous, "kubeProxyReplacement", RiskMessages.KubeProxyReplacement));
        // IPAM: pods keep addresses from the old allocator while new ones get the new (Cilium IPAM docs:
        // changing the mode of a running cluster is not supported).
        if (current.Ipam.Mode != desired.Ipam.Mode)
            reasons.Add(new(ChangeRisk.Dangerous, "ipam.mode", RiskMessages.Ipam));
        // Encryption type switch: nodes on the old type cannot talk to nodes on the new one until all have restarted.
        if (current.Encryption.Enabled && desired.Encryption.Enabled && current.Encryption.Type != desired.Encryption.Type)
            reasons.Add(new(ChangeRisk.Dangerous, "encryption.type", RiskMessages.EncryptionSwitch));
        // Host firewall enforcement: a missing host policy drops the node's own traffic — API server,
        // kubelet, etcd (cilium #17505, #33277).
        // Audit mode only logs would-be drops (policyAuditMode), so only the step to enforcing is dangerous.
        if (desired.HostFirewall.Enforcing && !current.HostFirewall.Enforcing)
            reasons.Add(new(ChangeRisk.Dangerous, current.HostFirewall.Auditing ? "hostFirewall.mode" : "hostFirewall.enabled", RiskMessages.HostFirewallEnforced));
        foreach (var warning in warnings ?? [])
        {
            if (DangerousWarnings.Contains(warning.Code) && !reasons.Any(r => r.Risk == ChangeRisk.Dangerous && r.Why == warning.Message))
                reasons.Add(new(ChangeRisk.Dangerous, warning.Code, warning.Message));
        }

        // Disruptive: the chart rolls the agents when cilium-config changes (ControlApi renders
        // rollOutCiliumPods: true), a chart version brings new agent images, and a Talos patch change
        // is new machine config for every node.
        var before = CiliumConfigTemplate.Render(Rendering.HelmValuesBuilder.Build(cluster, current));
        var after = CiliumConfigTemplate.Render(Rendering.HelmValuesBuilder.Build(cluster, desired));
        var changedKeys = before.Concat(after).Select(k => k.Key).Distinct(StringComparer.Ordinal)
            .Where(key => before.FirstOrDefault(k => k.Key == key) != after.FirstOrDefault(k => k.Key == key))
            .Order(StringComparer.Ordinal).ToList();
        if (changedKeys.Count > 0)
            reasons.Add(new(ChangeRisk.Disruptive, "cilium-config", string.Format(System.Globalization.CultureInfo.InvariantCulture, RiskMessages.AgentsRestart, string.Join(", ", changedKeys))));
        if (current.ChartVersion != desired.ChartVersion)
            reasons.Add(new(ChangeRisk.Disruptive, "chartVersion", RiskMessages.ChartVersion));
        if (current.Talos != desired.Talos)
            reasons.Add(new(ChangeRisk.Disruptive, "talos", RiskMessages.TalosPatch));

        if (reasons.Count == 0) return RiskAssessment.Routine;
        var ordered = reasons.OrderByDescending(r => r.Risk).ToList();
        return new RiskAssessment(ordered[0].Risk, ordered);
    }
}

/// <summary>What each risk reason tells people.</summary>
public static class RiskMessages
{
    public const string Routing = "Switching how packets travel between nodes disrupts pod traffic across the cluster while the agents restart one by one.";
    public const string KubeProxyReplacement = "Service translation moves between kube-proxy and the Cilium agents: existing connections through Services break.";
    public const string Ipam = "Pods keep addresses from the old IPAM mode while new pods get addresses from the new one; Cilium does not support changing the mode of a running cluster.";
    public const string EncryptionSwitch = "Nodes on the old encryption type cannot reach nodes on the new one until every agent has restarted.";
    public const string HostFirewallEnforced = "An enforcing host firewall drops the nodes' own traffic (API server, kubelet, etcd) that no host policy allows.";
    public const string AgentsRestart = "Every Cilium agent restarts to load the changed cilium-config keys ({0}).";
    public const string ChartVersion = "A new chart version rolls new agent images onto every node.";
    public const string TalosPatch = "The Talos machine config of every node changes.";
}
