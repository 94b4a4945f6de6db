using ControlApi.Core.HostFirewall;

namespace ControlApi.Core.Tests.HostFirewall;

public sealed class HubbleFlowJsonTests
{
    /// <summary>Shaped like <c>hubble observe -o json</c> prints a GetFlowsResponse (api/v1/observer, api/v1/flow protojson names).</summary>
    private static string Line(string verdict = "AUDIT", string direction = "INGRESS", string l4 = """{"TCP":{"source_port":40312,"destination_port":6443,"flags":{"SYN":true}}}""",
        string sourceLabels = """["reserved:remote-node"]""", string destinationLabels = """["reserved:host"]""", bool reply = false) =>
        $$"""{"flow":{"time":"2026-12-07T11:59:30.123456789Z","verdict":"{{verdict}}","IP":{"source":"10.4.0.11","destination":"10.4.0.10","ipVersion":"IPv4"},"l4":{{l4}},"source":{"identity":6,"labels":{{sourceLabels}}},"destination":{"ID":1,"identity":1,"labels":{{destinationLabels}}},"Type":"L3_L4","node_name":"node-01","traffic_direction":"{{direction}}","is_reply":{{(reply ? "true" : "false")}},"Summary":"TCP Flags: SYN"},"node_name":"node-01","time":"2026-12-07T11:59:30.123456789Z"}""";

    [Fact]
    public void An_audited_flow_to_the_host_is_read_with_node_direction_peer_port_and_time()
    {
        var flow = Assert.Single(HubbleFlowJson.ReadHostAudits(Line() + "\n", "fallback"));

        Assert.Equal(("node-01", FlowDirections.Ingress, "10.4.0.11", "reserved:remote-node", 6443, "TCP", 1L),
            (flow.Node, flow.Direction, flow.Peer, flow.PeerIdentity, flow.Port, flow.Protocol, flow.Count));
        // Nanoseconds in the JSON, ticks (100 ns) in .NET.
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 11, 59, 30, TimeSpan.Zero).AddTicks(1234567), flow.LastSeen, TimeSpan.FromTicks(1));
    }

    [Fact]
    public void Egress_from_the_host_names_the_destination_as_peer_and_UDP_ports_are_read()
    {
        var line = Line(direction: "EGRESS", l4: """{"UDP":{"source_port":51871,"destination_port":51871}}""",
            sourceLabels: """["reserved:host"]""", destinationLabels: """["reserved:remote-node"]""");

        var flow = Assert.Single(HubbleFlowJson.ReadHostAudits(line, "fallback"));

        Assert.Equal((FlowDirections.Egress, "10.4.0.10", 51871, "UDP"), (flow.Direction, flow.Peer, flow.Port, flow.Protocol));
    }

    [Fact]
    public void A_reply_counts_on_its_source_port_the_service_port()
    {
        var line = Line(l4: """{"TCP":{"source_port":6443,"destination_port":40312}}""", reply: true);

        Assert.Equal(6443, Assert.Single(HubbleFlowJson.ReadHostAudits(line, "fallback")).Port);
    }

    [Fact]
    public void What_is_not_an_audited_host_flow_is_skipped_never_fatal()
    {
        var output = string.Join('\n',
            Line(verdict: "FORWARDED"),
            Line(destinationLabels: """["k8s:app=web"]"""),
            Line(l4: """{"ICMPv4":{"type":8}}"""),
            """{"node_status":{"state_change":"NODE_CONNECTED"}}""",
            "level=warning msg=\"something\"",
            """{"flow":{"verdict":"AUDIT" """,
            Line());

        Assert.Single(HubbleFlowJson.ReadHostAudits(output, "fallback"));
    }
}
