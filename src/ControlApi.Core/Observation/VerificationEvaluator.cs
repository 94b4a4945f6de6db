using System.Globalization;
using ControlApi.Core.LiveState;

namespace ControlApi.Core.Observation;

/// <summary>The checks of SPEC §4 <c>Verified</c>, by name: they appear in reasons and audit details.</summary>
public static class VerificationChecks
{
    public const string ConfigMap = "cilium-config";
    public const string Agents = "agents";
    public const string AgentStatus = "agent-status";
    public const string WireGuardKeys = "wireguard-keys";
}

/// <summary>One check that did not hold: which, about what, desired against live.</summary>
public sealed record VerificationFailure(string Check, string Subject, string Desired, string Live)
{
    public override string ToString() => $"{Check} {Subject}: desired {Desired}, live {Live}";
}

public sealed record VerificationResult(IReadOnlyList<VerificationFailure> Failures, int AgentsChecked)
{
    public bool Passed => Failures.Count == 0;

    /// <summary>A one-line reason naming the first failures (the details carry all of them).</summary>
    public string Summary(int max = 3) => Passed
        ? string.Create(CultureInfo.InvariantCulture, $"cilium-config matches and {AgentsChecked} agent(s) show every desired feature working")
        : string.Join("; ", Failures.Take(max)) + (Failures.Count > max ? string.Create(CultureInfo.InvariantCulture, $"; and {Failures.Count - max} more") : "");
}

/// <summary>
/// Verified means: the live <c>cilium-config</c> keys equal the desired ones, every agent pod answers
/// and its status shows each enabled feature working (WireGuard with peers = nodes − 1), and with
/// WireGuard on every CiliumNode publishes its key. Pure: the probes gather, this decides.
/// </summary>
public static class VerificationEvaluator
{
    /// <param name="configData">The live ConfigMap's data; null when it does not exist.</param>
    /// <param name="expectedAgents">Agent pods there should be (the DaemonSet's desired count).</param>
    public static VerificationResult Evaluate(
        ExpectedLiveState expected,
        IReadOnlyDictionary<string, string>? configData,
        IReadOnlyList<AgentReport> agents,
        int expectedAgents,
        WireGuardKeys? keys,
        bool wireGuardEnabled)
    {
        ArgumentNullException.ThrowIfNull(agents);
        return Combine(expected, configData, agents.Count, agents.Count(a => a.Readable),
            agents.OrderBy(a => a.Pod, StringComparer.Ordinal).SelectMany(a => EvaluateAgent(expected, a)),
            expectedAgents, keys, wireGuardEnabled);
    }

    /// <summary>
    /// The same verdict from agent failures evaluated earlier (<see cref="EvaluateAgent"/>), for
    /// callers that drop each status document as soon as it is judged.
    /// </summary>
    public static VerificationResult Combine(
        ExpectedLiveState expected,
        IReadOnlyDictionary<string, string>? configData,
        int agentPods,
        int agentsReadable,
        IEnumerable<VerificationFailure> agentFailures,
        int expectedAgents,
        WireGuardKeys? keys,
        bool wireGuardEnabled)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(agentFailures);
        var failures = new List<VerificationFailure>();

        if (configData is null)
            failures.Add(new(VerificationChecks.ConfigMap, expected.ConfigMap.ToString(), "present", "absent"));
        else
            failures.AddRange(ConfigMapDriftEvaluator.Compare(expected.ConfigKeys, configData)
                .Select(d => new VerificationFailure(VerificationChecks.ConfigMap, d.Key, d.Desired, d.Actual)));

        if (agentPods != expectedAgents)
            failures.Add(new(VerificationChecks.Agents, "agent pods", expectedAgents.ToString(CultureInfo.InvariantCulture), agentPods.ToString(CultureInfo.InvariantCulture)));

        failures.AddRange(agentFailures);

        if (wireGuardEnabled && keys is not null)
            failures.AddRange(keys.NodesWithoutKey.Order(StringComparer.Ordinal)
                .Select(node => new VerificationFailure(VerificationChecks.WireGuardKeys, node, $"annotation {WireGuardKeys.Annotation}", "missing")));

        return new VerificationResult(failures, agentsReadable);
    }

    /// <summary>One agent's failures: unreadable, or each fact its status does not show.</summary>
    public static IEnumerable<VerificationFailure> EvaluateAgent(ExpectedLiveState expected, AgentReport agent)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(agent);
        var subject = agent.Node is null ? agent.Pod : $"{agent.Pod} on {agent.Node}";
        if (!agent.Readable)
            return [new VerificationFailure(VerificationChecks.AgentStatus, subject, "status readable", agent.Error ?? "no status")];
        return AgentStatusEvaluator.Evaluate(expected.AgentFacts, agent.Status!.Value)
            .Select(m => new VerificationFailure(VerificationChecks.AgentStatus, $"{subject} {m.Location}", m.Desired, m.Actual));
    }
}
