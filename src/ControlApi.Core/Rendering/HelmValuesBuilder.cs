using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;
using ControlApi.Core.Values;

namespace ControlApi.Core.Rendering;

/// <summary>
/// Maps settings plus the cluster's Talos facts to the Cilium chart's <c>values</c>
/// (cilium/NOTES.md "Feature → Helm values → cilium-config keys"). Every setting is written
/// explicitly, so the chart's own defaults never decide a feature (its <c>encryption.type</c>
/// default is <c>ipsec</c>). Keys are sorted at every level, as <c>helm get values</c> prints them.
/// The paths written here are listed, with who owns each, in <see cref="HelmValueOwnership"/>.
/// </summary>
public static class HelmValuesBuilder
{
    /// <summary>external-dns publishes a Service's LoadBalancer address under this name.</summary>
    public const string ExternalDnsHostnameAnnotation = "external-dns.alpha.kubernetes.io/hostname";

    public static YamlMap Build(ClusterProfile cluster, CiliumSettings settings)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(settings);

        var values = new YamlMap()
            // Talos facts (k8s-install-talos-linux.rst).
            .Add("ipam", new YamlMap().Add("mode", IpamModeValue(settings.Ipam.Mode)))
            .Add("k8sServiceHost", TalosCiliumFacts.KubernetesServiceHost)
            .Add("k8sServicePort", cluster.Talos.KubePrismPort)
            .Add("securityContext", new YamlMap().Add("capabilities", new YamlMap()
                .Add("ciliumAgent", YamlList.Strings(AgentCapabilities(settings)))
                .Add("cleanCiliumState", YamlList.Strings(TalosCiliumFacts.CleanStateCapabilities))))
            .Add("cgroup", new YamlMap()
                .Add("autoMount", new YamlMap().Add("enabled", false))
                .Add("hostRoot", TalosCiliumFacts.CgroupHostRoot))
            // The template compares the string form against "true"/"false" and fails otherwise;
            // a string is what values.yaml documents (cilium-configmap.yaml, $kubeProxyReplacement).
            .Add("kubeProxyReplacement", settings.KubeProxyReplacement ? "true" : "false")
            .Add("encryption", Encryption(settings.Encryption))
            .Add("bgpControlPlane", new YamlMap().Add("enabled", settings.Bgp.Enabled))
            .Add("hubble", Hubble(settings.Hubble))
            .Add("bandwidthManager", new YamlMap()
                .Add("enabled", settings.BandwidthManager.Enabled)
                .Add("bbr", settings.BandwidthManager.Bbr)
                .Add("bbrHostNamespaceOnly", settings.BandwidthManager.BbrHostNamespaceOnly))
            .Add("l7Proxy", settings.L7Proxy)
            .Add("hostFirewall", new YamlMap().Add("enabled", settings.HostFirewall.Enabled))
            .Add("routingMode", RoutingModeValue(settings.Routing.Mode))
            .Add("bpf", new YamlMap()
                .Add("masquerade", settings.Bpf.Masquerade)
                .Add("hostLegacyRouting", settings.Bpf.HostLegacyRouting))
            // Without these a changed cilium-config never restarts the pods, so a merged change
            // would never become live (SPEC §3).
            .Add("rollOutCiliumPods", true)
            .Add("operator", new YamlMap().Add("rollOutPods", true));

        // tunnelProtocol only means something in tunnel mode; null is the chart default vxlan,
        // written out so the file says what runs.
        if (settings.Routing.Mode == RoutingMode.Tunnel)
            values.Add("tunnelProtocol", TunnelProtocolValue(settings.Routing.TunnelProtocol ?? TunnelProtocol.Vxlan));
        // Only when the mode is set: revisions from before hostFirewall.mode render exactly what they did.
        // And only with the host firewall on: policy-audit-mode is daemon-wide, so a mode left behind on a
        // firewall that is off must not stop pod policies from being enforced.
        if (settings.HostFirewall is { Enabled: true, Mode: { } mode })
            values.Add("policyAuditMode", mode == HostFirewallMode.Audit);
        if (settings.Routing.Ipv4NativeRoutingCidr is { } cidr)
            values.Add("ipv4NativeRoutingCIDR", cidr);

        // Everything else the release carries, kept verbatim under the typed values; validation
        // refuses extra keys the typed values own (HelmValueOwnership), and the typed ones win if
        // an unvalidated tree ever gets here.
        if (settings.ExtraValues.ValueKind == System.Text.Json.JsonValueKind.Object
            && ValueTree.FromJson(settings.ExtraValues) is YamlMap { Count: > 0 } extra)
            values = ValueTree.Merge(under: extra, over: values);

        return values.SortedRecursively();
    }

    /// <summary>The Talos list, plus <c>NET_BIND_SERVICE</c> when BGP routers listen on port 179.</summary>
    public static IReadOnlyList<string> AgentCapabilities(CiliumSettings settings) =>
        settings.Bgp.Enabled
            ? [.. TalosCiliumFacts.AgentCapabilities, TalosCiliumFacts.BgpListenCapability]
            : TalosCiliumFacts.AgentCapabilities;

    private static YamlMap Encryption(EncryptionSettings encryption)
    {
        var map = new YamlMap()
            .Add("enabled", encryption.Enabled)
            .Add("type", EncryptionTypeValue(encryption.Type))
            .Add("nodeEncryption", encryption.NodeEncryption);
        if (encryption.Type == EncryptionType.Ipsec && encryption.IpsecKeySecret is { } secret)
            map.Add("ipsec", new YamlMap().Add("secretName", secret));
        return map;
    }

    private static YamlMap Hubble(HubbleSettings hubble)
    {
        var service = new YamlMap().Add("type", ServiceTypeValue(hubble.Ui.ServiceType));
        if (hubble.Ui.Hostname is { } hostname)
            service.Add("annotations", new YamlMap().Add(ExternalDnsHostnameAnnotation, hostname));

        return new YamlMap()
            .Add("enabled", hubble.Enabled)
            .Add("relay", new YamlMap().Add("enabled", hubble.Relay))
            .Add("ui", new YamlMap()
                .Add("enabled", hubble.Ui.Enabled)
                .Add("service", service));
    }

    // Spellings as values.yaml and values.schema.json use them.
    public static string IpamModeValue(IpamMode mode) => mode switch
    {
        IpamMode.Kubernetes => "kubernetes",
        IpamMode.ClusterPool => "cluster-pool",
        IpamMode.MultiPool => "multi-pool",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static string EncryptionTypeValue(EncryptionType type) => type switch
    {
        EncryptionType.Wireguard => "wireguard",
        EncryptionType.Ipsec => "ipsec",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string RoutingModeValue(RoutingMode mode) => mode switch
    {
        RoutingMode.Tunnel => "tunnel",
        RoutingMode.Native => "native",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static string TunnelProtocolValue(TunnelProtocol protocol) => protocol switch
    {
        TunnelProtocol.Vxlan => "vxlan",
        TunnelProtocol.Geneve => "geneve",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
    };

    public static string ServiceTypeValue(ServiceType type) => type switch
    {
        ServiceType.ClusterIP => "ClusterIP",
        ServiceType.NodePort => "NodePort",
        ServiceType.LoadBalancer => "LoadBalancer",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
