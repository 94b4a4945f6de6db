using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.LiveState;

/// <summary>
/// The branches of the chart's <c>templates/cilium-configmap.yaml</c> (Cilium 1.18; the notes find
/// the same keys through 1.18.12, 1.19 and 1.20) that render the keys ControlApi controls, evaluated
/// on the values ControlApi renders. Each rule quotes the template line that writes its key and the
/// guard around it, so a test can hold the rules against the real template text.
/// </summary>
public static class CiliumConfigTemplate
{
    /// <summary>How one key is rendered: the literal template line, its guards, and the evaluation.</summary>
    public sealed record KeyRule(string Key, string TemplateLine, IReadOnlyList<string> Guards, string Why)
    {
        internal Func<HelmValuesView, string?> Evaluate { get; init; } = _ => null;
    }

    private const string EncryptionGuard = "{{- if .Values.encryption.enabled }}";
    private const string BandwidthHasKey = "{{- if hasKey .Values \"bandwidthManager\" }}";
    private const string BandwidthGuard = "{{- if .Values.bandwidthManager.enabled }}";

    public static IReadOnlyList<KeyRule> Rules { get; } =
    [
        new("enable-ipsec", "enable-ipsec: {{ .Values.encryption.enabled | quote }}",
            [EncryptionGuard, "{{- if eq .Values.encryption.type \"ipsec\" }}"],
            "IPsec is on only when encryption is enabled with type ipsec")
        {
            Evaluate = v => v.Truthy("encryption.enabled") && v.Text("encryption.type") == "ipsec" ? v.Text("encryption.enabled") : null,
        },
        new("enable-wireguard", "enable-wireguard: {{ .Values.encryption.enabled | quote }}",
            [EncryptionGuard, "{{- else if eq .Values.encryption.type \"wireguard\" }}"],
            "WireGuard is on only when encryption is enabled with type wireguard; the whole block is absent otherwise")
        {
            Evaluate = v => v.Truthy("encryption.enabled") && v.Text("encryption.type") == "wireguard" ? v.Text("encryption.enabled") : null,
        },
        new("encrypt-node", "encrypt-node: {{ .Values.encryption.nodeEncryption | quote }}",
            [EncryptionGuard, "{{- if .Values.encryption.nodeEncryption }}"],
            "node-to-node encryption is rendered only inside an enabled encryption block")
        {
            Evaluate = v => v.Truthy("encryption.enabled") && v.Truthy("encryption.nodeEncryption") ? v.Text("encryption.nodeEncryption") : null,
        },
        new("enable-bgp-control-plane", "enable-bgp-control-plane: \"true\"",
            ["{{- if .Values.bgpControlPlane.enabled }}"],
            "the BGP control plane key exists only when it is enabled")
        {
            Evaluate = v => v.Truthy("bgpControlPlane.enabled") ? "true" : null,
        },
        new("enable-hubble", "enable-hubble: {{ .Values.hubble.enabled | quote }}", [],
            "always rendered from hubble.enabled")
        {
            Evaluate = v => v.Text("hubble.enabled") ?? "",
        },
        new("enable-host-firewall", "enable-host-firewall: {{ .Values.hostFirewall.enabled | quote }}",
            ["{{- if and .Values.hostFirewall .Values.hostFirewall.enabled }}"],
            "the host firewall key exists only when it is enabled")
        {
            Evaluate = v => v.Truthy("hostFirewall") && v.Truthy("hostFirewall.enabled") ? v.Text("hostFirewall.enabled") : null,
        },
        new("policy-audit-mode", "policy-audit-mode: {{ .Values.policyAuditMode | quote }}",
            ["{{- if hasKey .Values \"policyAuditMode\" }}"],
            "rendered whenever policyAuditMode is set, which ControlApi does once hostFirewall.mode is set")
        {
            Evaluate = v => v.HasKey("policyAuditMode") ? v.Text("policyAuditMode") : null,
        },
        new("enable-bandwidth-manager", "enable-bandwidth-manager: {{ .Values.bandwidthManager.enabled | quote }}",
            [BandwidthHasKey, BandwidthGuard],
            "the bandwidth manager keys exist only when it is enabled")
        {
            Evaluate = v => BandwidthOn(v) ? v.Text("bandwidthManager.enabled") : null,
        },
        new("enable-bbr", "enable-bbr: {{ .Values.bandwidthManager.bbr | quote }}",
            [BandwidthHasKey, BandwidthGuard],
            "BBR is rendered only inside an enabled bandwidth manager")
        {
            Evaluate = v => BandwidthOn(v) ? v.Text("bandwidthManager.bbr") ?? "" : null,
        },
        new("enable-bbr-hostns-only", "enable-bbr-hostns-only: {{ .Values.bandwidthManager.bbrHostNamespaceOnly | quote }}",
            [BandwidthHasKey, BandwidthGuard],
            "host-namespace-only BBR is rendered only inside an enabled bandwidth manager")
        {
            Evaluate = v => BandwidthOn(v) ? v.Text("bandwidthManager.bbrHostNamespaceOnly") ?? "" : null,
        },
        new("enable-l7-proxy", "enable-l7-proxy: {{ .Values.l7Proxy | quote }}",
            ["{{- if hasKey .Values \"l7Proxy\" }}"],
            "rendered whenever l7Proxy is set, which ControlApi always does")
        {
            Evaluate = v => v.HasKey("l7Proxy") ? v.Text("l7Proxy") : null,
        },
        new("kube-proxy-replacement", "kube-proxy-replacement: {{ $kubeProxyReplacement | quote }}", [],
            "always rendered; the template accepts only \"true\" or \"false\" (default \"false\")")
        {
            Evaluate = v => v.Default("kubeProxyReplacement", "false"),
        },
        new("routing-mode", "routing-mode: {{ .Values.routingMode | default (ternary \"native\" \"tunnel\" .Values.gke.enabled) | quote }}", [],
            "always rendered; tunnel unless set (GKE mode is not used)")
        {
            Evaluate = v => v.Default("routingMode", "tunnel"),
        },
        new("tunnel-protocol", "tunnel-protocol: {{ .Values.tunnelProtocol | default \"vxlan\" | quote }}", [],
            "always rendered, even in native routing, defaulting to vxlan")
        {
            Evaluate = v => v.Default("tunnelProtocol", "vxlan"),
        },
        new("ipv4-native-routing-cidr", "ipv4-native-routing-cidr: {{ .Values.ipv4NativeRoutingCIDR }}",
            ["{{- if .Values.ipv4NativeRoutingCIDR }}"],
            "rendered only when a native routing CIDR is set")
        {
            Evaluate = v => v.Truthy("ipv4NativeRoutingCIDR") ? v.Text("ipv4NativeRoutingCIDR") : null,
        },
        new("ipam", "ipam: {{ $ipam | quote }}",
            ["{{- if .Values.aksbyocni.enabled }}\n  ipam: \"cluster-pool\"\n{{- else }}"],
            "always rendered: ipam.mode (default cluster-pool), as AKS BYOCNI mode is never on")
        {
            Evaluate = v => v.Default("ipam.mode", "cluster-pool"),
        },
        new("enable-bpf-masquerade", "enable-bpf-masquerade: {{ .Values.bpf.masquerade | quote }}",
            ["{{- if (not (kindIs \"invalid\" .Values.bpf.masquerade)) }}"],
            "rendered when bpf.masquerade is set, which ControlApi always does (the fallback default is \"false\", not rendered)")
        {
            Evaluate = v => v.IsNil("bpf.masquerade") ? null : v.Text("bpf.masquerade"),
        },
        new("enable-host-legacy-routing", "enable-host-legacy-routing: {{ .Values.bpf.hostLegacyRouting | quote }}",
            ["{{- if (not (kindIs \"invalid\" .Values.bpf.hostLegacyRouting)) }}"],
            "rendered when bpf.hostLegacyRouting is set, which ControlApi always does (no CNI chaining)")
        {
            Evaluate = v => v.IsNil("bpf.hostLegacyRouting") ? null : v.Text("bpf.hostLegacyRouting"),
        },
        new("cgroup-root", "cgroup-root: {{ .Values.cgroup.hostRoot | quote }}",
            ["{{- if hasKey .Values.cgroup \"hostRoot\" }}"],
            "Talos' cgroup mount, from cgroup.hostRoot")
        {
            Evaluate = v => v.HasKey("cgroup.hostRoot") ? v.Text("cgroup.hostRoot") : null,
        },
    ];

    /// <summary>The expected value (or absence) of every controlled key for these Helm values.</summary>
    public static IReadOnlyList<ExpectedConfigKey> Render(YamlMap values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var view = new HelmValuesView(values);
        return Rules.Select(rule => new ExpectedConfigKey(rule.Key, rule.Evaluate(view), rule.Why)).ToArray();
    }

    private static bool BandwidthOn(HelmValuesView v) => v.HasKey("bandwidthManager") && v.Truthy("bandwidthManager.enabled");
}
