using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

public enum AgentPhase { Pending, Running, CrashLooping, Terminating }

/// <summary>The Cilium agent on one node: which pod runs it, from which template, with which configuration.</summary>
internal sealed class AgentState(SimulatedNode node, string wireguardKey)
{
    public SimulatedNode Node { get; } = node;
    public string WireguardKey { get; } = wireguardKey;
    public string? PodName { get; set; }
    public string? TemplateHash { get; set; }
    public AgentPhase Phase { get; set; }

    /// <summary>The cilium-config data the agent read when it started; a running agent never re-reads it.</summary>
    public IReadOnlyDictionary<string, string> Config { get; set; } = new Dictionary<string, string>();

    public AgentHealth Health { get; set; } = AgentHealth.Healthy;
    public ExecResult? ExecFault { get; set; }
    public int MissingPeers { get; set; }

    public bool RunsWireguard => Phase == AgentPhase.Running && Config.GetValueOrDefault("enable-wireguard") == "true";
}

/// <summary>Every node's agent, plus the faults injected into them. Thread-safe.</summary>
internal sealed class AgentFleet
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AgentState> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentState> _byPod = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _extraDevices = [];

    public AgentFleet(IEnumerable<SimulatedNode> nodes, Random random)
    {
        foreach (var node in nodes)
        {
            var key = new byte[32];
            random.NextBytes(key);
            _byNode[node.Name] = new AgentState(node, Convert.ToBase64String(key));
        }
    }

    public IReadOnlyList<string> ExtraDevices
    {
        get { lock (_gate) return _extraDevices; }
        set { lock (_gate) _extraDevices = value; }
    }

    /// <summary>Runs <paramref name="action"/> on the node's agent under the fleet's lock.</summary>
    public T With<T>(string node, Func<AgentState, T> action)
    {
        lock (_gate)
        {
            var agent = _byNode.GetValueOrDefault(node) ?? throw new ArgumentException($"No node named '{node}'.", nameof(node));
            return action(agent);
        }
    }

    public void With(string node, Action<AgentState> action) => With(node, agent =>
    {
        action(agent);
        return true;
    });

    public void AssignPod(string node, string podName, string templateHash, AgentPhase phase)
    {
        lock (_gate)
        {
            var agent = _byNode[node];
            if (agent.PodName is not null) _byPod.Remove(agent.PodName);
            agent.PodName = podName;
            agent.TemplateHash = templateHash;
            agent.Phase = phase;
            _byPod[podName] = agent;
        }
    }

    /// <summary>A snapshot of what the agent behind <paramref name="podName"/> would report, or null when no agent runs there.</summary>
    public (AgentView View, ExecResult? Fault)? ViewOfPod(string podName)
    {
        lock (_gate)
        {
            if (!_byPod.TryGetValue(podName, out var agent) || agent.Phase != AgentPhase.Running) return null;
            var peers = agent.RunsWireguard ? Math.Max(0, _byNode.Values.Count(a => a != agent && a.RunsWireguard) - agent.MissingPeers) : 0;
            var view = new AgentView(agent.Node.Name, agent.Node.ControlPlane, agent.Config, peers, agent.WireguardKey, agent.Health, _extraDevices);
            return (view, agent.ExecFault);
        }
    }

    public (int Desired, int Updated, int Ready) Counts(string templateHash)
    {
        lock (_gate)
        {
            var agents = _byNode.Values;
            return (
                agents.Count,
                agents.Count(a => a.TemplateHash == templateHash && a.Phase != AgentPhase.Terminating),
                agents.Count(a => a.Phase == AgentPhase.Running));
        }
    }
}
