namespace ControlApi.Tests.Shared;

/// <summary>
/// The SPEC §2 example, verbatim: the seed cluster's final state, with its concrete chart version.
/// The one copy of this JSON; compiled into both test projects (see their .csproj).
/// </summary>
public static class SeedSettings
{
    public const string Json = """
    {
      "chartVersion": "1.18.2",
      "encryption":       { "enabled": true, "type": "wireguard", "nodeEncryption": false },
      "bgp":              { "enabled": false, "localAsn": 64512,
                            "peers": [ { "name": "router", "address": "10.4.0.1", "peerAsn": 64513 } ],
                            "advertisePodCidr": true },
      "hubble":           { "enabled": true, "relay": true,
                            "ui": { "enabled": true, "serviceType": "LoadBalancer",
                                    "hostname": "hubble.goldentooth.net" } },
      "hostFirewall":     { "enabled": true },
      "bandwidthManager": { "enabled": true, "bbr": true },
      "l7Proxy": true,
      "kubeProxyReplacement": true,
      "routing":          { "mode": "tunnel", "tunnelProtocol": "vxlan", "ipv4NativeRoutingCidr": null },
      "bpf":              { "masquerade": true, "hostLegacyRouting": false },
      "ipam":             { "mode": "kubernetes" }
    }
    """;
}
