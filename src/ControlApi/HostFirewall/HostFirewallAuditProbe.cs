using System.Globalization;
using ControlApi.Core.HostFirewall;
using ControlApi.Probes;

namespace ControlApi.HostFirewall;

/// <summary>What one collection of AUDIT verdicts found across the agents.</summary>
/// <param name="Flows">Host flows with verdict AUDIT, grouped by node, direction, peer, port and protocol.</param>
/// <param name="Errors">Agents that did not answer, "pod: why" (their nodes' verdicts are missing).</param>
public sealed record AuditCollection(DateTimeOffset CollectedAt, TimeSpan Window, int Agents, int Answered, IReadOnlyList<AuditedFlow> Flows, IReadOnlyList<string> Errors);

/// <summary>
/// Asks every agent for the flows its host policy would have dropped: <c>hubble observe --verdict AUDIT
/// -o json --since &lt;window&gt;</c> in the <c>cilium-agent</c> container, as Cilium's host firewall guide
/// does it (each agent's Hubble server only sees its own node, so every pod is asked, a bounded number
/// at a time). Hubble's ring buffer bounds what each answer holds.
/// </summary>
public static class HostFirewallAuditProbe
{
    public const string Cli = "hubble";

    /// <summary>The exec's argv: Go duration seconds ("900s"), counted back by the agent's own clock.</summary>
    public static IReadOnlyList<string> Command(TimeSpan window) =>
        [Cli, "observe", "--verdict", HubbleFlowJson.AuditVerdict, "-o", "json", "--since",
            ((long)Math.Ceiling(window.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s"];

    public static async Task<AuditCollection> CollectAsync(ClusterConnection connection, string ns, TimeSpan window, TimeProvider time, CancellationToken cancellationToken)
    {
        var pods = (await AgentPodProbe.ListAsync(connection, ns, cancellationToken)).Where(p => p.Running).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var command = Command(window);
        var answers = new (IReadOnlyList<AuditedFlow>? Flows, string? Error)[pods.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, pods.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, connection.Options.ExecConcurrency), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var pod = pods[i];
                var result = await AgentStatusProbe.ExecAsync(connection, pod, command, ct);
                answers[i] = result.Failure is null && result.ExitCode == 0
                    ? (HubbleFlowJson.ReadHostAudits(result.StandardOutput, pod.Node ?? pod.Name), null)
                    : (null, $"{pod.Name}: {result.Failure ?? $"exit code {result.ExitCode}: {FirstLine(result.StandardError)}"}");
            });
        return new AuditCollection(time.GetUtcNow(), window, pods.Count, answers.Count(a => a.Error is null),
            Bounded(AuditVerdicts.Group(answers.Where(a => a.Flows is not null).SelectMany(a => a.Flows!))),
            answers.Where(a => a.Error is not null).Select(a => a.Error!).ToList());
    }

    /// <summary>Groups kept per collection (it is stored with every observation): those to required ports first, then the busiest.</summary>
    public const int MaxGroups = 500;

    private static List<AuditedFlow> Bounded(IReadOnlyList<AuditedFlow> groups) =>
        groups.Count <= MaxGroups ? [.. groups]
            : groups.OrderByDescending(g => TalosRequiredPorts.Find(g.Protocol, g.Port) is not null).ThenByDescending(g => g.Count).Take(MaxGroups).ToList();

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no output)";
}
