namespace ControlApi.TestCluster.Simulator;

/// <summary>A chart template that refuses the values (Helm's <c>fail</c>); Helm reports it as the upgrade error.</summary>
public sealed class ChartRenderException(string message) : Exception(message);

/// <summary>
/// The simulator's own reading of the Cilium 1.18 chart's <c>templates/cilium-configmap.yaml</c>
/// for the keys ControlApi checks (shared/reference/cilium/NOTES.md, "Feature → Helm values →
/// cilium-config keys"): which value renders which key, when, and with which chart default.
/// Deliberately independent of ControlApi.Core, so a test comparing the two is not a tautology.
/// </summary>
public static class CiliumConfigMapper
{
    public static SortedDictionary<string, string> Render(HelmValues values)
    {
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["cluster-name"] = values.Text("cluster.name") ?? "default",
            ["cluster-id"] = values.Text("cluster.id") ?? "0",
            ["enable-ipv4"] = values.Text("ipv4.enabled") ?? "true",
            // $ipam := coalesce .Values.ipam.mode $defaultIPAM ("cluster-pool").
            ["ipam"] = NonEmpty(values.Text("ipam.mode")) ?? "cluster-pool",
            // Always rendered, with `default`: unset or "" gives tunnel / vxlan.
            ["routing-mode"] = NonEmpty(values.Text("routingMode")) ?? "tunnel",
            ["tunnel-protocol"] = NonEmpty(values.Text("tunnelProtocol")) ?? "vxlan",
            ["auto-direct-node-routes"] = values.Text("autoDirectNodeRoutes") ?? "false",
            // Chart defaults true (values.yaml), always rendered.
            ["enable-hubble"] = values.Text("hubble.enabled") ?? "true",
            ["enable-l7-proxy"] = values.Text("l7Proxy") ?? "true",
            ["cgroup-root"] = values.Text("cgroup.hostRoot") ?? "/run/cilium/cgroupv2",
        };

        // toString of the value, "" when unset, coalesced with the 1.18 default "false"; anything else fails the render.
        var kubeProxyReplacement = NonEmpty(values.Text("kubeProxyReplacement")) ?? "false";
        if (kubeProxyReplacement is not ("true" or "false"))
            throw new ChartRenderException("execution error at (cilium/templates/cilium-configmap.yaml): kubeProxyReplacement must be explicitly set to a valid value (true or false) to continue.");
        data["kube-proxy-replacement"] = kubeProxyReplacement;
        if (kubeProxyReplacement == "true") data["kube-proxy-replacement-healthz-bind-address"] = values.Text("kubeProxyReplacementHealthzBindAddr") ?? "";
        else data["enable-node-port"] = values.Text("nodePort.enabled") ?? "false";

        if (values.IsTrue("encryption.enabled"))
        {
            // The chart's encryption.type default is ipsec.
            switch (NonEmpty(values.Text("encryption.type")) ?? "ipsec")
            {
                case "ipsec": data["enable-ipsec"] = "true"; break;
                case "wireguard": data["enable-wireguard"] = "true"; break;
            }
            if (values.IsTrue("encryption.nodeEncryption")) data["encrypt-node"] = "true";
        }

        if (values.IsTrue("bgpControlPlane.enabled")) data["enable-bgp-control-plane"] = "true";
        if (values.IsTrue("hostFirewall.enabled")) data["enable-host-firewall"] = "true";
        // {{- if hasKey .Values "policyAuditMode" }}: rendered whenever the key is set, false included.
        if (values.Text("policyAuditMode") is { } audit) data["policy-audit-mode"] = audit;

        // BBR keys exist only inside bandwidthManager.enabled.
        if (values.IsTrue("bandwidthManager.enabled"))
        {
            data["enable-bandwidth-manager"] = "true";
            data["enable-bbr"] = values.Text("bandwidthManager.bbr") ?? "false";
            data["enable-bbr-hostns-only"] = values.Text("bandwidthManager.bbrHostNamespaceOnly") ?? "false";
        }

        // Rendered only when the value is set (not kindIs "invalid"); the 1.18 default for masquerade is not rendered.
        if (values.Text("bpf.masquerade") is { } masquerade) data["enable-bpf-masquerade"] = masquerade;
        if (values.Text("bpf.hostLegacyRouting") is { } legacy) data["enable-host-legacy-routing"] = legacy;
        if (NonEmpty(values.Text("ipv4NativeRoutingCIDR")) is { } cidr) data["ipv4-native-routing-cidr"] = cidr;
        return data;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
