using System.Globalization;
using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary>Which way a flow goes relative to the node's host, as Hubble's <c>traffic_direction</c> says it.</summary>
public enum FlowDirection { Ingress, Egress }

/// <summary>
/// A flow a host policy would drop, seen by the agent of <paramref name="Node"/>: from <paramref name="Peer"/> to
/// the host (ingress) or from the host to it (egress), on <paramref name="Port"/>/<paramref name="Protocol"/>.
/// </summary>
public sealed record HostFlow(string Node, string Peer, int Port, string Protocol, FlowDirection Direction, DateTimeOffset Time,
    string PeerLabel = "reserved:remote-node");

/// <summary>
/// The Hubble server inside each agent: a node-local ring of flows, answered by <c>hubble observe</c> in the
/// <c>cilium-agent</c> container the way the CLI prints them with <c>-o json</c> (one GetFlowsResponse per line,
/// api/v1/observer and api/v1/flow protojson field names). A flow a policy would drop is printed with verdict
/// <c>AUDIT</c> while the agent runs with <c>policy-audit-mode: "true"</c>, as <c>DROPPED</c> otherwise; without
/// <c>enable-host-firewall</c> host policies judge nothing, so no such flow exists. Thread-safe.
/// </summary>
internal sealed class HubbleFlows(IReadOnlyList<SimulatedNode> nodes, Func<DateTimeOffset> now)
{
    /// <summary>What <c>hubble observe</c> prints without <c>--last</c>, <c>--since</c> or <c>--follow</c>.</summary>
    private const int DefaultLast = 20;

    private readonly Lock _gate = new();
    private readonly List<HostFlow> _flows = [];

    public void Add(HostFlow flow)
    {
        if (!nodes.Any(n => n.Name == flow.Node)) throw new ArgumentException($"No node named '{flow.Node}'.", nameof(flow));
        lock (_gate) _flows.Add(flow);
    }

    public void Clear()
    {
        lock (_gate) _flows.Clear();
    }

    /// <summary>Runs <c>hubble observe …</c> for the agent of <paramref name="agent"/>.</summary>
    public ExecResult Observe(IReadOnlyList<string> argv, AgentView agent)
    {
        if (argv.Count < 2 || argv[1] != "observe")
            return ExecResult.Failure(1, $"Error: unknown command \"{(argv.Count > 1 ? argv[1] : "")}\" for \"hubble\"\nRun 'hubble --help' for usage.\n");

        var verdicts = new List<string>();
        string output = "compact";
        DateTimeOffset? since = null;
        int? last = null;
        for (var i = 2; i < argv.Count; i++)
        {
            var (flag, value) = argv[i].Split('=', 2) is [var f, var v] ? (f, (string?)v) : (argv[i], null);
            string Next() => value ?? (i + 1 < argv.Count ? argv[++i] : throw new FormatException($"flag needs an argument: {flag}"));
            try
            {
                switch (flag)
                {
                    case "--verdict": verdicts.Add(Next()); break;
                    case "-o" or "--output": output = Next(); break;
                    case "--since": since = Since(Next()); break;
                    case "--last": last = int.Parse(Next(), NumberStyles.None, CultureInfo.InvariantCulture); break;
                    default: return ExecResult.Failure(1, $"Error: unknown flag: {flag}\n");
                }
            }
            catch (FormatException e)
            {
                return ExecResult.Failure(1, $"Error: {e.Message}\n");
            }
        }
        if (output != "json") return ExecResult.Failure(1, $"Error: the simulator's hubble prints only -o json (asked: {output})\n");

        var config = agent.Config;
        // Without enable-hubble the agent runs no Hubble server for the CLI to reach.
        if (config.GetValueOrDefault("enable-hubble") != "true")
            return ExecResult.Failure(1, "failed to connect to 'unix:///var/run/cilium/hubble.sock': connection error: desc = \"transport: error while dialing: dial unix /var/run/cilium/hubble.sock: connect: no such file or directory\"\n");
        if (config.GetValueOrDefault("enable-host-firewall") != "true") return ExecResult.Success("");
        var verdict = config.GetValueOrDefault("policy-audit-mode") == "true" ? "AUDIT" : "DROPPED";
        if (verdicts.Count > 0 && !verdicts.Contains(verdict, StringComparer.OrdinalIgnoreCase)) return ExecResult.Success("");

        List<HostFlow> seen;
        lock (_gate) seen = _flows.Where(f => f.Node == agent.NodeName && f.Time <= now()).OrderBy(f => f.Time).ToList();
        if (since is { } from) seen = seen.Where(f => f.Time >= from).ToList();
        if (last is { } n) seen = seen.TakeLast(n).ToList();
        else if (since is null) seen = seen.TakeLast(DefaultLast).ToList();

        var host = nodes.First(n => n.Name == agent.NodeName);
        return ExecResult.Success(string.Concat(seen.Select(f => Line(f, host, verdict).ToJsonString() + "\n")));
    }

    /// <summary>The CLI's <c>--since</c>: a Go duration back from now ("15m", "900s", "1h30m") or an RFC 3339 time.</summary>
    private DateTimeOffset Since(string text)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) && text.Contains('T')) return at;
        var total = TimeSpan.Zero;
        var rest = text;
        while (rest.Length > 0)
        {
            var digits = rest.TakeWhile(c => char.IsDigit(c) || c == '.').Count();
            var unit = new string(rest.Skip(digits).TakeWhile(char.IsLetter).ToArray());
            if (digits == 0 || unit.Length == 0) throw new FormatException($"invalid --since value \"{text}\"");
            var amount = double.Parse(rest[..digits], CultureInfo.InvariantCulture);
            total += unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => throw new FormatException($"invalid --since value \"{text}\""),
            };
            rest = rest[(digits + unit.Length)..];
        }
        return now() - total;
    }

    private static JsonObject Line(HostFlow flow, SimulatedNode host, string verdict)
    {
        var time = flow.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        var ingress = flow.Direction == FlowDirection.Ingress;
        var hostEndpoint = new JsonObject { ["ID"] = 1, ["identity"] = 1, ["labels"] = new JsonArray("reserved:host") };
        var peerEndpoint = new JsonObject { ["identity"] = flow.PeerLabel == "reserved:remote-node" ? 6 : 2, ["labels"] = new JsonArray(flow.PeerLabel) };
        var ephemeral = 40000 + (int)(flow.Time.ToUnixTimeMilliseconds() % 20000);
        var ports = new JsonObject { ["source_port"] = ephemeral, ["destination_port"] = flow.Port };
        if (flow.Protocol == "TCP") ports["flags"] = new JsonObject { ["SYN"] = true };
        return new JsonObject
        {
            ["flow"] = new JsonObject
            {
                ["time"] = time,
                ["verdict"] = verdict,
                ["drop_reason_desc"] = verdict == "DROPPED" ? "POLICY_DENIED" : null,
                ["ethernet"] = new JsonObject { ["source"] = "02:42:ac:12:00:02", ["destination"] = "02:42:ac:12:00:03" },
                ["IP"] = new JsonObject
                {
                    ["source"] = ingress ? flow.Peer : host.InternalIp,
                    ["destination"] = ingress ? host.InternalIp : flow.Peer,
                    ["ipVersion"] = "IPv4",
                },
                ["l4"] = new JsonObject { [flow.Protocol] = ports },
                ["source"] = ingress ? peerEndpoint : hostEndpoint,
                ["destination"] = ingress ? hostEndpoint : peerEndpoint,
                ["Type"] = "L3_L4",
                ["node_name"] = host.Name,
                ["event_type"] = new JsonObject { ["type"] = 5 },
                ["traffic_direction"] = ingress ? "INGRESS" : "EGRESS",
                ["policy_match_type"] = 0,
                ["is_reply"] = false,
                ["Summary"] = $"{flow.Protocol} Flags: SYN",
            },
            ["node_name"] = host.Name,
            ["time"] = time,
        };
    }
}
