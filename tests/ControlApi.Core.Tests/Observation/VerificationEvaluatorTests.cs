using System.Text.Json;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Tests.Observation;

public sealed class VerificationEvaluatorTests
{
    private static readonly ClusterProfile Profile = new() { Id = "goldentooth" };
    private static readonly CiliumSettings WireGuard = CiliumSettings.Defaults with
    {
        Encryption = CiliumSettings.Defaults.Encryption with { Enabled = true, Type = EncryptionType.Wireguard },
    };

    private static ExpectedLiveState Expected(int nodes) => ExpectedLiveState.From(Profile, WireGuard, nodes);

    private static Dictionary<string, string> LiveConfig(ExpectedLiveState expected) =>
        expected.ConfigKeys.Where(k => k.Value is not null).ToDictionary(k => k.Key, k => k.Value!);

    /// <summary>A StatusResponse showing every expected fact, with this many WireGuard peers.</summary>
    private static JsonElement Status(ExpectedLiveState expected, int peers)
    {
        var root = new System.Text.Json.Nodes.JsonObject();
        foreach (var fact in expected.AgentFacts)
        {
            var node = root;
            var parts = fact.Path.Split('.');
            foreach (var part in parts[..^1])
            {
                if (part.EndsWith("[*]", StringComparison.Ordinal))
                {
                    var array = new System.Text.Json.Nodes.JsonArray();
                    var item = new System.Text.Json.Nodes.JsonObject();
                    array.Add(item);
                    node[part[..^3]] = node[part[..^3]] ?? array;
                    node = (System.Text.Json.Nodes.JsonObject)((System.Text.Json.Nodes.JsonArray)node[part[..^3]]!)[0]!;
                }
                else
                {
                    node = (System.Text.Json.Nodes.JsonObject)(node[part] ??= new System.Text.Json.Nodes.JsonObject());
                }
            }
            var last = parts[^1];
            node[last] = last == "peer-count" ? peers : fact.Accepted[0] is "true" or "false" ? bool.Parse(fact.Accepted[0]) : fact.Accepted[0];
        }
        return JsonDocument.Parse(root.ToJsonString()).RootElement.Clone();
    }

    private static IReadOnlyList<AgentReport> Agents(ExpectedLiveState expected, int count, int peers) =>
        Enumerable.Range(1, count).Select(i => new AgentReport($"cilium-{i:00}", $"node-{i:00}", Status(expected, peers))).ToList();

    private static WireGuardKeys AllKeys(int nodes) => new(nodes, []);

    [Fact]
    public void Seventeen_agents_with_sixteen_peers_each_are_verified()
    {
        var expected = Expected(17);
        var result = VerificationEvaluator.Evaluate(expected, LiveConfig(expected), Agents(expected, 17, 16), 17, AllKeys(17), wireGuardEnabled: true);
        Assert.True(result.Passed, result.Summary());
        Assert.Equal(17, result.AgentsChecked);
    }

    [Fact]
    public void One_agent_short_of_a_peer_fails_with_desired_and_live()
    {
        var expected = Expected(17);
        var agents = Agents(expected, 17, 16).ToList();
        agents[4] = agents[4] with { Status = Status(expected, 15) };
        var failure = Assert.Single(VerificationEvaluator.Evaluate(expected, LiveConfig(expected), agents, 17, AllKeys(17), true).Failures);
        Assert.Equal(VerificationChecks.AgentStatus, failure.Check);
        Assert.Contains("cilium-05 on node-05", failure.Subject);
        Assert.Contains("peer-count", failure.Subject);
        Assert.Equal(("16", "15"), (failure.Desired, failure.Live));
    }

    public static TheoryData<string, string> Breakages => new()
    {
        { "a drifted key", VerificationChecks.ConfigMap },
        { "no ConfigMap", VerificationChecks.ConfigMap },
        { "an agent that does not answer", VerificationChecks.AgentStatus },
        { "a missing agent pod", VerificationChecks.Agents },
        { "a node without a WireGuard key", VerificationChecks.WireGuardKeys },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void Each_check_names_itself(string breakage, string check)
    {
        var expected = Expected(3);
        IReadOnlyDictionary<string, string>? config = LiveConfig(expected);
        var agents = Agents(expected, 3, 2).ToList();
        var keys = AllKeys(3);
        switch (breakage)
        {
            case "a drifted key": config = new Dictionary<string, string>(config) { ["enable-wireguard"] = "false" }; break;
            case "no ConfigMap": config = null; break;
            case "an agent that does not answer": agents[1] = agents[1] with { Status = null, Error = "exit code 1: cilium: daemon unreachable" }; break;
            case "a missing agent pod": agents.RemoveAt(2); agents.Add(agents[0] with { Pod = "cilium-zz" }); agents.RemoveAt(0); break;
            case "a node without a WireGuard key": keys = new WireGuardKeys(3, ["node-02"]); break;
        }
        var expectedAgents = breakage == "a missing agent pod" ? 4 : 3;
        var result = VerificationEvaluator.Evaluate(expected, config, agents, expectedAgents, keys, true);
        Assert.False(result.Passed, breakage);
        Assert.Contains(result.Failures, f => f.Check == check);
    }
}
