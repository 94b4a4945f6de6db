using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Simulator;

/// <summary>A component's health as the agent reports it (<c>Status{state, msg}</c>: Ok, Warning, Failure, Disabled).</summary>
public sealed record ComponentHealth(string State = "Ok", string Message = "")
{
    public static ComponentHealth Ok { get; } = new();

    public bool IsUnhealthy => State is "Warning" or "Failure";
}

/// <summary>Injected agent health, per component; everything Ok by default.</summary>
public sealed record AgentHealth
{
    public ComponentHealth Cilium { get; init; } = ComponentHealth.Ok;
    public ComponentHealth Kubernetes { get; init; } = ComponentHealth.Ok;
    public ComponentHealth ContainerRuntime { get; init; } = ComponentHealth.Ok;
    public ComponentHealth CiliumHealth { get; init; } = ComponentHealth.Ok;

    public static AgentHealth Healthy { get; } = new();
}

/// <summary>What one running agent knows when asked for its status.</summary>
public sealed record AgentView(
    string NodeName,
    bool ControlPlane,
    IReadOnlyDictionary<string, string> Config,
    int WireguardPeers,
    string WireguardPublicKey,
    AgentHealth Health,
    IReadOnlyList<string> ExtraDevices);

/// <summary>
/// Builds <c>cilium-dbg status -o json</c> (a <c>StatusResponse</c>, field names from
/// agent-openapi.yaml) and <c>cilium-dbg status --brief</c> from the configuration an agent started
/// with, the way the agent derives them (cilium/NOTES.md): e.g. eBPF host routing only with
/// kube-proxy replacement, BPF masquerading and no legacy routing.
/// </summary>
public static class AgentStatusFactory
{
    public const string WireguardInterface = "cilium_wg0";
    public const int WireguardPort = 51871;
    public const string NativeDevice = "eth0";

    /// <summary>The agent's fatal start-up checks; a non-null message means the container exits and restarts (CrashLoopBackOff).</summary>
    public static string? FatalStartError(IReadOnlyDictionary<string, string> config)
    {
        if (On(config, "enable-wireguard") && On(config, "enable-ipsec"))
            return "WireGuard (--enable-wireguard) cannot be used with IPsec (--enable-ipsec)";
        if (On(config, "enable-ipsec") && On(config, "enable-host-firewall"))
            return "IPSec cannot be used with the host firewall.";
        if (On(config, "enable-bandwidth-manager") && On(config, "enable-bbr-hostns-only") && !On(config, "enable-bbr"))
            return "--enable-bbr-hostns-only requires --enable-bbr";
        if (On(config, "enable-bandwidth-manager") && On(config, "enable-bbr") && !On(config, "enable-bbr-hostns-only") && !BpfHostRouting(config))
            return "BPF bandwidth manager's BBR setup requires BPF host routing.";
        return null;
    }

    /// <summary>eBPF host routing needs KPR, BPF masquerading, no forced legacy routing and no IPsec.</summary>
    public static bool BpfHostRouting(IReadOnlyDictionary<string, string> config) =>
        On(config, "kube-proxy-replacement") && On(config, "enable-bpf-masquerade")
        && !On(config, "enable-host-legacy-routing") && !On(config, "enable-ipsec");

    public static JsonObject StatusJson(AgentView agent)
    {
        var config = agent.Config;
        var devices = new JsonArray([NativeDevice, .. agent.ExtraDevices.Select(d => (JsonNode?)d)]);
        var kpr = On(config, "kube-proxy-replacement");
        var status = new JsonObject
        {
            ["cilium"] = Component(agent.Health.Cilium),
            ["kubernetes"] = new JsonObject
            {
                ["state"] = agent.Health.Kubernetes.State,
                ["msg"] = agent.Health.Kubernetes.Message,
                ["k8s-api-versions"] = new JsonArray("1.33"),
            },
            ["kvstore"] = new JsonObject { ["state"] = "Disabled", ["msg"] = "" },
            ["container-runtime"] = Component(agent.Health.ContainerRuntime),
            ["datapath-mode"] = "veth",
            ["attach-mode"] = "tcx",
            ["encryption"] = Encryption(agent),
            ["kube-proxy-replacement"] = new JsonObject
            {
                ["mode"] = kpr ? "True" : "False",
                ["devices"] = devices.DeepClone(),
                ["directRoutingDevice"] = NativeDevice,
                ["features"] = new JsonObject
                {
                    ["nodePort"] = new JsonObject { ["enabled"] = kpr || On(config, "enable-node-port"), ["mode"] = "SNAT", ["algorithm"] = "Random", ["portMin"] = 30000, ["portMax"] = 32767 },
                    ["hostPort"] = new JsonObject { ["enabled"] = kpr },
                    ["externalIPs"] = new JsonObject { ["enabled"] = kpr },
                    ["socketLB"] = new JsonObject { ["enabled"] = kpr },
                    ["sessionAffinity"] = new JsonObject { ["enabled"] = kpr },
                    ["gracefulTermination"] = new JsonObject { ["enabled"] = kpr },
                },
            },
            ["bandwidth-manager"] = On(config, "enable-bandwidth-manager") && !On(config, "enable-ipsec")
                ? new JsonObject { ["enabled"] = true, ["devices"] = new JsonArray(NativeDevice), ["congestionControl"] = On(config, "enable-bbr") ? "bbr" : "cubic" }
                : new JsonObject { ["enabled"] = false },
            ["host-firewall"] = On(config, "enable-host-firewall")
                ? new JsonObject { ["mode"] = "Enabled", ["devices"] = devices.DeepClone() }
                : new JsonObject { ["mode"] = "Disabled" },
            ["routing"] = new JsonObject
            {
                ["inter-host-routing-mode"] = Value(config, "routing-mode") == "native" ? "Native" : "Tunnel",
                ["intra-host-routing-mode"] = BpfHostRouting(config) ? "BPF" : "Legacy",
                ["tunnel-protocol"] = Value(config, "routing-mode") == "native" ? "" : Value(config, "tunnel-protocol") ?? "vxlan",
            },
            ["masquerading"] = new JsonObject
            {
                ["enabled"] = true,
                ["enabledProtocols"] = new JsonObject { ["ipv4"] = true, ["ipv6"] = false },
                ["mode"] = On(config, "enable-bpf-masquerade") ? "BPF" : "iptables",
                ["snat-exclusion-cidr-v4"] = "10.244.0.0/16",
            },
            ["hubble"] = On(config, "enable-hubble")
                ? new JsonObject
                {
                    ["state"] = "Ok",
                    ["msg"] = "",
                    ["observer"] = new JsonObject { ["max-flows"] = 4095, ["current-flows"] = 4095, ["seen-flows"] = 180_000, ["uptime"] = "2h0m0s" },
                }
                : new JsonObject { ["state"] = "Disabled", ["msg"] = "" },
            ["cluster"] = new JsonObject
            {
                ["ciliumHealth"] = Component(agent.Health.CiliumHealth),
                ["self"] = $"{Value(config, "cluster-name") ?? "default"}/{agent.NodeName}",
            },
            ["controllers"] = new JsonArray(),
        };
        if (On(config, "enable-l7-proxy"))
        {
            status["proxy"] = new JsonObject
            {
                ["ip"] = "10.244.0.1",
                ["port-range"] = "10000-20000",
                ["total-redirects"] = 0,
                ["total-ports"] = 10000,
                ["envoy-deployment-mode"] = "external",
            };
        }
        return status;
    }

    /// <summary>
    /// <c>cilium-dbg status --brief</c>: "OK", or the first unhealthy component as
    /// <c>error in …: msg</c> in the agent's order (kvstore, container runtime, kubernetes, cilium,
    /// cilium-health); exit code 1 only when the cilium component itself is unhealthy.
    /// </summary>
    public static (int ExitCode, string Output) Brief(AgentView agent)
    {
        var health = agent.Health;
        var firstError = new (string Name, ComponentHealth Health)[]
        {
            ("container runtime", health.ContainerRuntime),
            ("kubernetes", health.Kubernetes),
            ("cilium", health.Cilium),
            ("cilium-health", health.CiliumHealth),
        }.FirstOrDefault(c => c.Health.IsUnhealthy);
        var output = firstError.Name is null ? "OK\n" : $"error in {firstError.Name}: {firstError.Health.Message}\n";
        return (health.Cilium.State is "Ok" or "Disabled" ? 0 : 1, output);
    }

    private static JsonObject Encryption(AgentView agent)
    {
        var config = agent.Config;
        if (On(config, "enable-wireguard"))
        {
            var nodeEncryption = !On(config, "encrypt-node") ? "Disabled" : agent.ControlPlane ? "OptedOut" : "Enabled";
            return new JsonObject
            {
                ["mode"] = "Wireguard",
                ["wireguard"] = new JsonObject
                {
                    ["node-encryption"] = nodeEncryption,
                    ["interfaces"] = new JsonArray(new JsonObject
                    {
                        ["name"] = WireguardInterface,
                        ["public-key"] = agent.WireguardPublicKey,
                        ["listen-port"] = WireguardPort,
                        ["peer-count"] = agent.WireguardPeers,
                    }),
                },
            };
        }
        if (On(config, "enable-ipsec"))
        {
            return new JsonObject
            {
                ["mode"] = "IPsec",
                ["ipsec"] = new JsonObject
                {
                    ["decrypt-interfaces"] = new JsonArray(NativeDevice),
                    ["keys-in-use"] = 1,
                    ["max-seq-number"] = "0x0/0xffffffff",
                    ["error-count"] = 0,
                },
            };
        }
        return new JsonObject { ["mode"] = "Disabled" };
    }

    private static JsonObject Component(ComponentHealth health) => new() { ["state"] = health.State, ["msg"] = health.Message };

    private static string? Value(IReadOnlyDictionary<string, string> config, string key) => config.GetValueOrDefault(key);

    private static bool On(IReadOnlyDictionary<string, string> config, string key) => config.GetValueOrDefault(key) == "true";
}
