using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.Core.LiveState;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Tests.Rendering.Support;
using CsCheck;

namespace ControlApi.Core.Tests.Rendering.LiveState;

/// <summary>The agent-status facts each feature must show, and how one agent's status is judged against them.</summary>
public sealed class AgentFactTests
{
    private static readonly CiliumSettings Seed = SeedClusterTests.SeedSettings;

    /// <summary>A healthy agent of the seed cluster (17 nodes) as <c>cilium status -o json</c> prints it.</summary>
    private const string SeedAgentStatus = """
        {
          "cilium": {"state": "Ok", "msg": ""},
          "kubernetes": {"state": "Ok", "msg": ""},
          "kvstore": {"state": "Disabled", "msg": ""},
          "encryption": {
            "mode": "Wireguard",
            "wireguard": {
              "node-encryption": "Disabled",
              "interfaces": [{"name": "cilium_wg0", "public-key": "a2V5", "listen-port": 51871, "peer-count": 16}]
            }
          },
          "kube-proxy-replacement": {"mode": "True", "devices": ["eth0"]},
          "bandwidth-manager": {"enabled": true, "congestionControl": "bbr", "devices": ["eth0"]},
          "host-firewall": {"mode": "Enabled", "devices": ["eth0"]},
          "routing": {"inter-host-routing-mode": "Tunnel", "intra-host-routing-mode": "BPF", "tunnel-protocol": "vxlan"},
          "masquerading": {"enabled": true, "mode": "BPF"},
          "hubble": {"state": "Ok", "msg": ""}
        }
        """;

    private static IReadOnlyList<AgentFactMismatch> Evaluate(CiliumSettings settings, string status, int? nodes = 17) =>
        AgentStatusEvaluator.Evaluate(AgentFacts.For(settings, nodes), JsonDocument.Parse(status).RootElement);

    private static string Patch(string status, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(status)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    [Fact]
    public void A_healthy_seed_agent_shows_every_expected_fact()
    {
        Assert.Empty(Evaluate(Seed, SeedAgentStatus));
    }

    [Fact]
    public void WireGuard_peers_are_checked_on_every_interface_against_nodes_minus_one()
    {
        var status = Patch(SeedAgentStatus, s => s["encryption"]!["wireguard"]!["interfaces"]!.AsArray().Add(
            JsonNode.Parse("""{"name": "cilium_wg1", "peer-count": 15}""")));
        var mismatch = Assert.Single(Evaluate(Seed, status));
        Assert.Equal("encryption.wireguard.interfaces[1].peer-count", mismatch.Location);
        Assert.Equal("16", mismatch.Desired);
        Assert.Equal("15", mismatch.Actual);
    }

    [Fact]
    public void An_agent_without_any_WireGuard_interface_fails_instead_of_passing_vacuously()
    {
        var status = Patch(SeedAgentStatus, s => s["encryption"]!["wireguard"]!["interfaces"] = new JsonArray());
        var mismatch = Assert.Single(Evaluate(Seed, status));
        Assert.Equal("encryption.wireguard.interfaces[*]", mismatch.Location);
        Assert.Equal("(missing)", mismatch.Actual);
    }

    [Fact]
    public void Without_a_node_count_peers_are_not_checked()
    {
        Assert.DoesNotContain(AgentFacts.For(Seed), f => f.Path.Contains("peer-count", StringComparison.Ordinal));
        Assert.Contains(AgentFacts.For(Seed, 17), f => f.Path == "encryption.wireguard.interfaces[*].peer-count" && f.Accepted.SequenceEqual(["16"]));
    }

    [Fact]
    public void Encryption_turned_off_in_the_agent_is_reported_desired_against_live()
    {
        var status = Patch(SeedAgentStatus, s => s["encryption"] = JsonNode.Parse("""{"mode": "Disabled"}"""));
        var mismatches = Evaluate(Seed, status);
        Assert.Contains(mismatches, m => m.Location == "encryption.mode" && m.Desired == "Wireguard" && m.Actual == "Disabled");
        Assert.Contains(mismatches, m => m.Location == "encryption.wireguard" && m.Actual == "(missing)");
    }

    [Theory]
    [InlineData("Enabled", true)]
    [InlineData("OptedOut", true)]
    [InlineData("Disabled", false)]
    public void With_node_encryption_control_plane_nodes_may_opt_out(string live, bool accepted)
    {
        var settings = Seed with { Encryption = Seed.Encryption with { NodeEncryption = true } };
        var status = Patch(SeedAgentStatus, s => s["encryption"]!["wireguard"]!["node-encryption"] = live);
        Assert.Equal(accepted, Evaluate(settings, status).Count == 0);
    }

    [Fact]
    public void BBR_for_pods_must_run_on_eBPF_host_routing()
    {
        var status = Patch(SeedAgentStatus, s => s["routing"]!["intra-host-routing-mode"] = "Legacy");
        var mismatch = Assert.Single(Evaluate(Seed, status));
        Assert.Equal("routing.intra-host-routing-mode", mismatch.Location);

        var hostOnly = Seed with { BandwidthManager = Seed.BandwidthManager with { BbrHostNamespaceOnly = true } };
        Assert.Empty(Evaluate(hostOnly, status));
    }

    public static TheoryData<string, CiliumSettings, string, string> FeatureFacts => new()
    {
        { "encryption off", Seed with { Encryption = new EncryptionSettings() }, "encryption.mode", "Disabled" },
        { "ipsec", Seed with { Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = "k" }, HostFirewall = new(), BandwidthManager = new() }, "encryption.mode", "IPsec" },
        { "kube-proxy replacement off", Seed with { KubeProxyReplacement = false }, "kube-proxy-replacement.mode", "False" },
        { "bandwidth manager off", Seed with { BandwidthManager = new BandwidthManagerSettings() }, "bandwidth-manager.enabled", "false" },
        { "bandwidth manager with cubic", Seed with { BandwidthManager = new BandwidthManagerSettings { Enabled = true } }, "bandwidth-manager.congestionControl", "cubic" },
        { "host firewall off", Seed with { HostFirewall = new HostFirewallSettings() }, "host-firewall.mode", "Disabled" },
        { "native routing", Seed with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.0.0.0/8" } }, "routing.inter-host-routing-mode", "Native" },
        { "geneve", Seed with { Routing = new RoutingSettings { TunnelProtocol = TunnelProtocol.Geneve } }, "routing.tunnel-protocol", "geneve" },
        { "iptables masquerading", Seed with { Bpf = new BpfSettings(), BandwidthManager = new() }, "masquerading.mode", "iptables" },
        { "hubble off", Seed with { Hubble = new HubbleSettings { Enabled = false } }, "hubble.state", "Disabled" },
    };

    [Theory]
    [MemberData(nameof(FeatureFacts))]
    public void Each_feature_expects_its_status_value(string why, CiliumSettings settings, string path, string value)
    {
        var fact = AgentFacts.For(settings, 3).SingleOrDefault(f => f.Path == path);
        Assert.True(fact is not null && fact.Accepted.SequenceEqual([value]), $"{why}: {path} expected {value}, facts say {fact?.ToString() ?? "nothing"}");
    }

    [Fact]
    public void Facts_about_features_that_are_off_or_do_not_apply_are_not_demanded()
    {
        var native = AgentFacts.For(Seed with { Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = "10.0.0.0/8" } }, 3);
        Assert.DoesNotContain(native, f => f.Path == "routing.tunnel-protocol");
        var noEncryption = AgentFacts.For(Seed with { Encryption = new EncryptionSettings() }, 3);
        Assert.DoesNotContain(noEncryption, f => f.Path.StartsWith("encryption.wireguard", StringComparison.Ordinal));
        var noBandwidth = AgentFacts.For(Seed with { BandwidthManager = new BandwidthManagerSettings() }, 3);
        Assert.DoesNotContain(noBandwidth, f => f.Path is "bandwidth-manager.congestionControl" or "routing.intra-host-routing-mode");
    }

    /// <summary>Every fact names a StatusResponse member that exists, with values its enum and type allow.</summary>
    [ReferenceFact]
    public void Every_fact_path_and_value_exists_in_the_agent_API()
    {
        var api = YamlJson.ParseSingle(ReferenceData.Read("cilium", "agent-openapi.yaml"));
        var definitions = api["definitions"]!.AsObject();
        var checkedFacts = 0;
        SettingsGenerators.ValidSettings.Sample(settings =>
        {
            foreach (var fact in AgentFacts.For(settings, 5))
            {
                var schema = Resolve(definitions, definitions["StatusResponse"]!);
                foreach (var segment in fact.Path.Split('.'))
                {
                    var each = segment.EndsWith("[*]", StringComparison.Ordinal);
                    var name = each ? segment[..^3] : segment;
                    var property = schema["properties"]?[name];
                    Assert.True(property is not null, $"{fact.Path}: no member '{name}' in StatusResponse");
                    schema = Resolve(definitions, property);
                    if (each)
                    {
                        Assert.Equal("array", schema["type"]!.GetValue<string>());
                        schema = Resolve(definitions, schema["items"]!);
                    }
                }
                var type = schema["type"]?.GetValue<string>();
                foreach (var value in fact.Accepted)
                {
                    if (schema["enum"] is JsonArray values)
                        Assert.True(values.Any(v => v!.GetValue<string>() == value), $"{fact.Path}: '{value}' is not in the API enum");
                    Assert.True(type switch
                    {
                        "boolean" => value is "true" or "false",
                        "integer" => long.TryParse(value, out _),
                        "string" => true,
                        _ => false,
                    }, $"{fact.Path}: '{value}' is not a {type}");
                }
                Interlocked.Increment(ref checkedFacts);
            }
        }, iter: 200, threads: 1);
        Assert.True(checkedFacts > 0);
    }

    private static JsonNode Resolve(JsonObject definitions, JsonNode schema)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference)
            schema = definitions[reference.Split('/')[^1]]!;
        return schema;
    }
}
