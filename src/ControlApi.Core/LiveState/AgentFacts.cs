using ControlApi.Core.Settings;

namespace ControlApi.Core.LiveState;

/// <summary>
/// What the agent status must show for each feature (cilium/NOTES.md "StatusResponse fields for
/// verification"; values from the enums in api/v1/openapi.yaml). Only facts the status really
/// reports are listed: BGP sessions, Hubble Relay/UI and the L7 proxy are not in StatusResponse.
/// </summary>
public static class AgentFacts
{
    public static IReadOnlyList<ExpectedAgentFact> For(CiliumSettings settings, int? nodeCount = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (nodeCount is < 1) throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount, "A cluster has at least one node.");

        var facts = new List<ExpectedAgentFact>
        {
            Fact("cilium.state", "the agent reports itself healthy", "Ok"),
            Fact("kubernetes.state", "the agent reaches the API server (through KubePrism on Talos)", "Ok"),
        };

        var encryption = settings.Encryption;
        facts.Add(Fact("encryption.mode", "encryption as desired",
            !encryption.Enabled ? "Disabled" : encryption.Type == EncryptionType.Wireguard ? "Wireguard" : "IPsec"));
        if (encryption is { Enabled: true, Type: EncryptionType.Wireguard })
        {
            facts.Add(encryption.NodeEncryption
                // Control-plane nodes opt out by label (node-encryption-opt-out-labels).
                ? Fact("encryption.wireguard.node-encryption", "node-to-node encryption on (control-plane nodes opt out)", "Enabled", "OptedOut")
                : Fact("encryption.wireguard.node-encryption", "node-to-node encryption off", "Disabled"));
            if (nodeCount is { } nodes)
                facts.Add(Fact("encryption.wireguard.interfaces[*].peer-count",
                    "every WireGuard interface peers with every other node (nodes − 1)", (nodes - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        facts.Add(Fact("kube-proxy-replacement.mode", "kube-proxy replacement as desired",
            settings.KubeProxyReplacement ? "True" : "False"));

        var bandwidth = settings.BandwidthManager;
        facts.Add(Fact("bandwidth-manager.enabled", "bandwidth manager as desired", Bool(bandwidth.Enabled)));
        if (bandwidth.Enabled)
            facts.Add(Fact("bandwidth-manager.congestionControl", "congestion control as desired",
                bandwidth.Bbr ? "bbr" : "cubic"));

        facts.Add(Fact("host-firewall.mode", "host firewall as desired",
            settings.HostFirewall.Enabled ? "Enabled" : "Disabled"));

        facts.Add(Fact("routing.inter-host-routing-mode", "routing mode as desired",
            settings.Routing.Mode == RoutingMode.Tunnel ? "Tunnel" : "Native"));
        if (settings.Routing.Mode == RoutingMode.Tunnel)
            facts.Add(Fact("routing.tunnel-protocol", "tunnel protocol as desired",
                settings.Routing.TunnelProtocol == TunnelProtocol.Geneve ? "geneve" : "vxlan"));
        // BBR for pods needs eBPF host routing; without it the agent does not start (bandwidth.go),
        // and a legacy fallback would mean BBR only works for the host namespace.
        if (bandwidth is { Enabled: true, Bbr: true, BbrHostNamespaceOnly: false })
            facts.Add(Fact("routing.intra-host-routing-mode", "BBR for pods runs on eBPF host routing", "BPF"));

        // BPF masquerading rides on the kube-proxy replacement's datapath; without it the mode is not certain.
        if (settings.KubeProxyReplacement)
            facts.Add(Fact("masquerading.mode", "masquerading datapath as desired",
                settings.Bpf.Masquerade ? "BPF" : "iptables"));

        facts.Add(Fact("hubble.state", "Hubble as desired", settings.Hubble.Enabled ? "Ok" : "Disabled"));
        return facts;
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static ExpectedAgentFact Fact(string path, string why, params string[] accepted) => new(path, accepted, why);
}
