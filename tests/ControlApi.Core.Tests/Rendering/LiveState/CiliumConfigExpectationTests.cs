using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;

namespace ControlApi.Core.Tests.Rendering.LiveState;

/// <summary>The cilium-config keys expected live, per feature on and off, held against the chart template text.</summary>
public sealed class CiliumConfigExpectationTests
{
    private static readonly CiliumSettings Seed = SeedClusterTests.SeedSettings;
    private static readonly ClusterProfile Cluster = SeedClusterTests.SeedCluster;

    private static string? Expected(CiliumSettings settings, string key) =>
        ExpectedLiveState.From(Cluster, settings).Key(key) is { } expected ? expected.Value : throw new KeyNotFoundException(key);

    [ReferenceFact]
    public void Every_rule_quotes_a_line_and_guards_that_appear_in_the_1_18_template_in_order()
    {
        var template = ReferenceData.Read("cilium", "cilium-configmap.template.yaml");
        foreach (var rule in CiliumConfigTemplate.Rules)
        {
            var line = template.IndexOf("  " + rule.TemplateLine, StringComparison.Ordinal);
            Assert.True(line >= 0, $"{rule.Key}: '{rule.TemplateLine}' is not in the template");
            Assert.StartsWith(rule.Key + ":", rule.TemplateLine, StringComparison.Ordinal);
            var before = template[..line];
            var position = 0;
            foreach (var guard in rule.Guards)
            {
                var at = before.IndexOf(guard, position, StringComparison.Ordinal);
                Assert.True(at >= 0, $"{rule.Key}: guard '{guard}' is not in the template before its line (in order)");
                position = at + guard.Length;
            }
        }
    }

    [ReferenceFact]
    public void Keys_said_to_be_always_rendered_are_outside_any_condition_in_the_template()
    {
        var template = ReferenceData.Read("cilium", "cilium-configmap.template.yaml").Split('\n');
        foreach (var rule in CiliumConfigTemplate.Rules.Where(r => r.Guards.Count == 0))
        {
            var index = Array.FindIndex(template, l => l == "  " + rule.TemplateLine);
            Assert.True(index > 0, $"{rule.Key} not found as its own line");
            // An unconditional key is preceded by a closed block or plain keys, not by an opening 'if'.
            var previous = template[..index].Last(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
            Assert.False(previous.TrimStart().StartsWith("{{- if", StringComparison.Ordinal) || previous.TrimStart().StartsWith("{{- else", StringComparison.Ordinal),
                $"{rule.Key} follows '{previous.Trim()}'");
        }
    }

    [Fact]
    public void The_seed_cluster_expects_these_cilium_config_keys_exactly()
    {
        var expected = new Dictionary<string, string?>
        {
            ["enable-ipsec"] = null,
            ["enable-wireguard"] = "true",
            ["encrypt-node"] = null,
            ["enable-bgp-control-plane"] = null,
            ["enable-hubble"] = "true",
            ["enable-host-firewall"] = "true",
            // The seed sets no hostFirewall.mode, so policyAuditMode is not rendered.
            ["policy-audit-mode"] = null,
            ["enable-bandwidth-manager"] = "true",
            ["enable-bbr"] = "true",
            ["enable-bbr-hostns-only"] = "false",
            ["enable-l7-proxy"] = "true",
            ["kube-proxy-replacement"] = "true",
            ["routing-mode"] = "tunnel",
            ["tunnel-protocol"] = "vxlan",
            ["ipv4-native-routing-cidr"] = null,
            ["ipam"] = "kubernetes",
            ["enable-bpf-masquerade"] = "true",
            ["enable-host-legacy-routing"] = "false",
            ["cgroup-root"] = "/sys/fs/cgroup",
        };
        var state = ExpectedLiveState.From(Cluster, Seed);
        Assert.Equal(expected, state.ConfigKeys.ToDictionary(k => k.Key, k => k.Value));
        Assert.Equal(new ObjectRef("kube-system", "cilium-config"), state.ConfigMap);
        Assert.Equal(new ObjectRef("kube-system", "cilium"), state.AgentDaemonSet);
    }

    public static TheoryData<string, CiliumSettings, string, string?> Features => new()
    {
        { "encryption off: the whole block is absent", Seed with { Encryption = new EncryptionSettings { Enabled = false } }, "enable-wireguard", null },
        { "encryption off: no node encryption either", Seed with { Encryption = new EncryptionSettings { Enabled = false } }, "encrypt-node", null },
        { "wireguard on", Seed, "enable-wireguard", "true" },
        { "wireguard is not ipsec", Seed, "enable-ipsec", null },
        { "node encryption on", Seed with { Encryption = Seed.Encryption with { NodeEncryption = true } }, "encrypt-node", "true" },
        { "node encryption off is absent, not \"false\"", Seed, "encrypt-node", null },
        { "ipsec on", Seed with { Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = "k" } }, "enable-ipsec", "true" },
        { "ipsec is not wireguard", Seed with { Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = "k" } }, "enable-wireguard", null },
        { "ipsec with node encryption", Seed with { Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = "k", NodeEncryption = true } }, "encrypt-node", "true" },
        { "BGP on", Seed with { Bgp = new BgpSettings { Enabled = true, LocalAsn = 1, Peers = [new BgpPeer { Name = "r", Address = "10.0.0.1", PeerAsn = 2 }] } }, "enable-bgp-control-plane", "true" },
        { "BGP off is absent", Seed, "enable-bgp-control-plane", null },
        { "hubble off is still rendered", Seed with { Hubble = new HubbleSettings { Enabled = false } }, "enable-hubble", "false" },
        { "hubble on", Seed, "enable-hubble", "true" },
        { "host firewall off is absent", Seed with { HostFirewall = new HostFirewallSettings() }, "enable-host-firewall", null },
        { "host firewall on", Seed, "enable-host-firewall", "true" },
        { "no host firewall mode: no audit key", Seed, "policy-audit-mode", null },
        { "host firewall in audit mode", Seed with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Audit } }, "policy-audit-mode", "true" },
        { "host firewall enforcing by mode", Seed with { HostFirewall = new HostFirewallSettings { Enabled = true, Mode = HostFirewallMode.Enforce } }, "policy-audit-mode", "false" },
        { "bandwidth manager off is absent", Seed with { BandwidthManager = new BandwidthManagerSettings() }, "enable-bandwidth-manager", null },
        { "bandwidth manager off: no BBR key", Seed with { BandwidthManager = new BandwidthManagerSettings() }, "enable-bbr", null },
        { "bandwidth manager off: no host-namespace BBR key", Seed with { BandwidthManager = new BandwidthManagerSettings() }, "enable-bbr-hostns-only", null },
        { "bandwidth manager without BBR", Seed with { BandwidthManager = new BandwidthManagerSettings { Enabled = true } }, "enable-bbr", "false" },
        { "host-namespace BBR", Seed with { BandwidthManager = new BandwidthManagerSettings { Enabled = true, Bbr = true, BbrHostNamespaceOnly = true } }, "enable-bbr-hostns-only", "true" },
        { "L7 proxy off is rendered", Seed with { L7Proxy = false }, "enable-l7-proxy", "false" },
        { "kube-proxy replacement off is rendered", Seed with { KubeProxyReplacement = false }, "kube-proxy-replacement", "false" },
        { "native routing", Seed with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, "routing-mode", "native" },
        { "native routing still renders the default tunnel protocol", Seed with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, "tunnel-protocol", "vxlan" },
        { "native routing CIDR", Seed with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.244.0.0/16" } }, "ipv4-native-routing-cidr", "10.244.0.0/16" },
        { "geneve", Seed with { Routing = new RoutingSettings { TunnelProtocol = TunnelProtocol.Geneve } }, "tunnel-protocol", "geneve" },
        { "BPF masquerade off is rendered", Seed with { Bpf = new BpfSettings { Masquerade = false } }, "enable-bpf-masquerade", "false" },
        { "legacy host routing on", Seed with { Bpf = new BpfSettings { HostLegacyRouting = true } }, "enable-host-legacy-routing", "true" },
        { "ipam", Seed with { Ipam = new IpamSettings { Mode = IpamMode.MultiPool } }, "ipam", "multi-pool" },
    };

    [Theory]
    [MemberData(nameof(Features))]
    public void A_feature_sets_its_cilium_config_key_or_its_absence(string why, CiliumSettings settings, string key, string? value) =>
        Assert.True(Expected(settings, key) == value, $"{why}: {key} expected {value ?? "(absent)"}, got {Expected(settings, key) ?? "(absent)"}");

    [Fact]
    public void Live_data_is_compared_key_by_key_including_keys_that_must_be_absent()
    {
        var expected = ExpectedLiveState.From(Cluster, Seed).ConfigKeys;
        var live = expected.Where(k => k.Value is not null).ToDictionary(k => k.Key, k => k.Value!);
        live["unrelated-key"] = "whatever";
        Assert.Empty(ConfigMapDriftEvaluator.Compare(expected, live));

        live["enable-wireguard"] = "false";
        live["encrypt-node"] = "true";
        live.Remove("cgroup-root");
        var drift = ConfigMapDriftEvaluator.Compare(expected, live).ToDictionary(d => d.Key, d => (d.Desired, d.Actual));
        Assert.Equal(("true", "false"), drift["enable-wireguard"]);
        Assert.Equal(("(absent)", "true"), drift["encrypt-node"]);
        Assert.Equal(("/sys/fs/cgroup", "(absent)"), drift["cgroup-root"]);
        Assert.Equal(3, drift.Count);
    }

    [Fact]
    public void The_config_map_and_daemon_set_live_in_the_release_namespace()
    {
        var state = ExpectedLiveState.From(Cluster with { HelmRelease = new ObjectRef("cilium", "cilium") }, Seed);
        Assert.Equal("cilium", state.ConfigMap.Namespace);
        Assert.Equal("cilium", state.AgentDaemonSet.Namespace);
    }
}
