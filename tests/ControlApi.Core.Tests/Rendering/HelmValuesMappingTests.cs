using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>Each setting lands on the Helm key cilium/NOTES.md names, with the value the chart expects.</summary>
public sealed class HelmValuesMappingTests
{
    private static readonly CiliumSettings Base = SeedClusterTests.SeedSettings;

    private static JsonNode Values(CiliumSettings settings, ClusterProfile? cluster = null)
    {
        cluster ??= SeedClusterTests.SeedCluster;
        var release = ManifestRenderer.Render(cluster, settings).Find(ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.ReleaseFile))!;
        return YamlJson.ParseSingle(release.Content)["spec"]!["values"]!;
    }

    /// <summary>The node at a '|'-separated path (keys may contain '.' and '/'), or null when absent.</summary>
    private static JsonNode? At(JsonNode values, string path)
    {
        JsonNode? node = values;
        foreach (var key in path.Split('|'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node)) return null;
        }
        return node;
    }

    public static TheoryData<string, CiliumSettings, string, string?> Mappings => new()
    {
        { "encryption off keeps an explicit type", Base with { Encryption = new EncryptionSettings { Enabled = false } }, "encryption", """{"enabled":false,"nodeEncryption":false,"type":"wireguard"}""" },
        { "wireguard with node encryption", Base with { Encryption = new EncryptionSettings { Enabled = true, NodeEncryption = true } }, "encryption", """{"enabled":true,"nodeEncryption":true,"type":"wireguard"}""" },
        { "ipsec names its key secret", Base with { Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = "cilium-ipsec-keys" } },
            "encryption", """{"enabled":true,"ipsec":{"secretName":"cilium-ipsec-keys"},"nodeEncryption":false,"type":"ipsec"}""" },
        { "BGP on", Base with { Bgp = new BgpSettings { Enabled = true, LocalAsn = 1, Peers = [new BgpPeer { Name = "r", Address = "10.0.0.1", PeerAsn = 2 }] } }, "bgpControlPlane", """{"enabled":true}""" },
        { "hubble off", Base with { Hubble = new HubbleSettings { Enabled = false } }, "hubble", """{"enabled":false,"relay":{"enabled":false},"ui":{"enabled":false,"service":{"type":"ClusterIP"}}}""" },
        { "hubble UI without hostname has no annotation", Base with { Hubble = Base.Hubble with { Ui = Base.Hubble.Ui with { Hostname = null, ServiceType = ServiceType.NodePort } } },
            "hubble|ui|service", """{"type":"NodePort"}""" },
        { "hostname published through external-dns", Base, "hubble|ui|service|annotations|external-dns.alpha.kubernetes.io/hostname", "\"hubble.goldentooth.net\"" },
        { "bandwidth manager off", Base with { BandwidthManager = new BandwidthManagerSettings() }, "bandwidthManager", """{"bbr":false,"bbrHostNamespaceOnly":false,"enabled":false}""" },
        { "BBR for the host namespace only", Base with { BandwidthManager = new BandwidthManagerSettings { Enabled = true, Bbr = true, BbrHostNamespaceOnly = true } },
            "bandwidthManager", """{"bbr":true,"bbrHostNamespaceOnly":true,"enabled":true}""" },
        { "L7 proxy off", Base with { L7Proxy = false }, "l7Proxy", "false" },
        { "host firewall off", Base with { HostFirewall = new HostFirewallSettings() }, "hostFirewall", """{"enabled":false}""" },
        { "host firewall without a mode renders no audit key, as before the mode existed", Base, "policyAuditMode", null },
        { "host firewall in audit mode", Base with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } }, "policyAuditMode", "true" },
        { "host firewall enforcing by mode", Base with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Enforce } }, "policyAuditMode", "false" },
        { "a mode on a host firewall that is off renders nothing (policy-audit-mode is daemon-wide)", Base with { HostFirewall = new HostFirewallSettings { Mode = HostFirewallMode.Audit } }, "policyAuditMode", null },
        { "the mode does not touch hostFirewall itself", Base with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } }, "hostFirewall", """{"enabled":true}""" },
        { "kube-proxy replacement off is the string the template accepts", Base with { KubeProxyReplacement = false }, "kubeProxyReplacement", "\"false\"" },
        { "kube-proxy replacement on is the string the template accepts", Base, "kubeProxyReplacement", "\"true\"" },
        { "geneve tunnel", Base with { Routing = new RoutingSettings { TunnelProtocol = TunnelProtocol.Geneve } }, "tunnelProtocol", "\"geneve\"" },
        { "tunnel without protocol is the chart's vxlan, written out", Base with { Routing = new RoutingSettings { TunnelProtocol = null } }, "tunnelProtocol", "\"vxlan\"" },
        { "native routing has no tunnel protocol", Base with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, "tunnelProtocol", null },
        { "native routing mode", Base with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, "routingMode", "\"native\"" },
        { "native routing CIDR", Base with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, "ipv4NativeRoutingCIDR", "\"10.244.0.0/16\"" },
        { "no CIDR, no key", Base, "ipv4NativeRoutingCIDR", null },
        { "legacy host routing", Base with { Bpf = new BpfSettings { Masquerade = false, HostLegacyRouting = true } }, "bpf", """{"hostLegacyRouting":true,"masquerade":false}""" },
        { "ipam mode spelled as the chart spells it", Base with { Ipam = new IpamSettings { Mode = IpamMode.ClusterPool } }, "ipam|mode", "\"cluster-pool\"" },
        { "rolling restarts on config change", Base, "rollOutCiliumPods", "true" },
        { "operator restarts on config change", Base, "operator", """{"rollOutPods":true}""" },
        { "cgroup as Talos mounts it", Base, "cgroup", """{"autoMount":{"enabled":false},"hostRoot":"/sys/fs/cgroup"}""" },
        { "API through KubePrism", Base, "k8sServiceHost", "\"localhost\"" },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public void A_setting_maps_to_its_helm_value(string why, CiliumSettings settings, string path, string? expectedJson)
    {
        var actual = At(Values(settings), path);
        if (expectedJson is null) Assert.True(actual is null, $"{why}: {path} should be absent, is {actual?.ToJsonString()}");
        else Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expectedJson), actual), $"{why}: {path} expected {expectedJson}, got {actual?.ToJsonString() ?? "(absent)"}");
    }

    [Fact]
    public void The_agent_gets_NET_BIND_SERVICE_only_when_BGP_routers_listen_and_never_SYS_MODULE()
    {
        var withBgp = Base with { Bgp = new BgpSettings { Enabled = true, LocalAsn = 64512, Peers = [new BgpPeer { Name = "r", Address = "10.0.0.1", PeerAsn = 64513 }] } };
        string[] Capabilities(CiliumSettings s, string list) => At(Values(s), $"securityContext|capabilities|{list}")!.AsArray().Select(c => c!.GetValue<string>()).ToArray();

        Assert.Equal([.. TalosCiliumFacts.AgentCapabilities, "NET_BIND_SERVICE"], Capabilities(withBgp, "ciliumAgent"));
        Assert.DoesNotContain("NET_BIND_SERVICE", Capabilities(Base, "ciliumAgent"));
        foreach (var settings in new[] { Base, withBgp })
        {
            Assert.DoesNotContain("SYS_MODULE", Capabilities(settings, "ciliumAgent"));
            Assert.DoesNotContain("SYS_MODULE", Capabilities(settings, "cleanCiliumState"));
        }
    }

    [Fact]
    public void The_service_port_is_the_clusters_KubePrism_port_as_a_number()
    {
        var cluster = SeedClusterTests.SeedCluster with { Talos = new TalosFacts { KubePrismPort = 13336 } };
        Assert.Equal(13336, At(Values(Base, cluster), "k8sServicePort")!.GetValue<long>());
    }
}
