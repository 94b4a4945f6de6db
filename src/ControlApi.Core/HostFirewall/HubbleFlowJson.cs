using System.Globalization;
using System.Text.Json;

namespace ControlApi.Core.HostFirewall;

/// <summary>
/// Reads <c>hubble observe --verdict AUDIT -o json</c> output: one <c>GetFlowsResponse</c> JSON object per
/// line, <c>{"flow":{…},"node_name":…,"time":…}</c>, the flow as api/v1/flow/flow.proto has it in protojson
/// (<c>time</c>, <c>verdict</c>, <c>IP.source/destination</c>, <c>l4.TCP|UDP.source_port/destination_port</c>,
/// <c>source/destination.labels</c>, <c>node_name</c>, <c>traffic_direction</c>, <c>is_reply</c>). Keeps only
/// AUDIT flows to or from the host (the side labelled <c>reserved:host</c>) with a TCP or UDP port;
/// everything else (pod-to-pod audits, ICMP, lines that are not flows) is skipped, never fatal.
/// </summary>
public static class HubbleFlowJson
{
    public const string AuditVerdict = "AUDIT";
    public const string HostLabel = "reserved:host";

    public static IReadOnlyList<AuditedFlow> ReadHostAudits(string output, string fallbackNode)
    {
        var flows = new List<AuditedFlow>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{')) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                if (Read(document.RootElement, fallbackNode) is { } flow) flows.Add(flow);
            }
            catch (JsonException)
            {
                // A line cut short (the exec's output cap) or a warning: not a flow.
            }
        }
        return flows;
    }

    private static AuditedFlow? Read(JsonElement response, string fallbackNode)
    {
        if (!response.TryGetProperty("flow", out var flow) || flow.ValueKind != JsonValueKind.Object) return null;
        if (Text(flow, "verdict") != AuditVerdict) return null;

        var sourceIsHost = Labels(flow, "source").Contains(HostLabel);
        var destinationIsHost = Labels(flow, "destination").Contains(HostLabel);
        var direction = Text(flow, "traffic_direction") switch
        {
            "INGRESS" => FlowDirections.Ingress,
            "EGRESS" => FlowDirections.Egress,
            _ => destinationIsHost ? FlowDirections.Ingress : sourceIsHost ? FlowDirections.Egress : null,
        };
        // Host policies judge traffic whose host side is this node: ingress to it, egress from it.
        if (direction == FlowDirections.Ingress && !destinationIsHost) return null;
        if (direction == FlowDirections.Egress && !sourceIsHost) return null;
        if (direction is null) return null;

        if (!flow.TryGetProperty("l4", out var l4) || l4.ValueKind != JsonValueKind.Object) return null;
        string? protocol = null;
        JsonElement ports = default;
        foreach (var candidate in new[] { TransportProtocols.Tcp, TransportProtocols.Udp })
            if (l4.TryGetProperty(candidate, out var p) && p.ValueKind == JsonValueKind.Object) { protocol = candidate; ports = p; break; }
        if (protocol is null) return null;

        var reply = flow.TryGetProperty("is_reply", out var isReply) && isReply.ValueKind == JsonValueKind.True;
        // A reply's service port is its source port.
        var port = Int(ports, reply ? "source_port" : "destination_port");
        if (port is not > 0) return null;

        var peerSide = direction == FlowDirections.Ingress ? "source" : "destination";
        var peerAddress = flow.TryGetProperty("IP", out var ip) && ip.ValueKind == JsonValueKind.Object ? Text(ip, peerSide) : null;
        var time = Time(flow) ?? Time(response);
        if (time is null) return null;
        var node = Text(flow, "node_name") ?? Text(response, "node_name") ?? fallbackNode;
        return new AuditedFlow(node, direction, peerAddress ?? "unknown", PeerIdentity(flow, peerSide), port.Value, protocol, 1, time.Value, time.Value);
    }

    /// <summary>A reserved label says what the peer is (remote-node, world, kube-apiserver); else the pod's namespace/name.</summary>
    private static string? PeerIdentity(JsonElement flow, string side)
    {
        var reserved = Labels(flow, side).FirstOrDefault(l => l.StartsWith("reserved:", StringComparison.Ordinal));
        if (reserved is not null) return reserved;
        if (!flow.TryGetProperty(side, out var endpoint) || endpoint.ValueKind != JsonValueKind.Object) return null;
        var ns = Text(endpoint, "namespace");
        var pod = Text(endpoint, "pod_name");
        return ns is null && pod is null ? null : $"{ns}/{pod}";
    }

    private static List<string> Labels(JsonElement flow, string side) =>
        flow.TryGetProperty(side, out var endpoint) && endpoint.ValueKind == JsonValueKind.Object
            && endpoint.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Array
            ? labels.EnumerateArray().Where(l => l.ValueKind == JsonValueKind.String).Select(l => l.GetString()!).ToList()
            : [];

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    private static DateTimeOffset? Time(JsonElement element) =>
        Text(element, "time") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
