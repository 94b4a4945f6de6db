namespace ControlApi.Core.HostFirewall;

/// <summary>Which way a flow goes relative to the node's host (Hubble's <c>traffic_direction</c>).</summary>
public static class FlowDirections
{
    /// <summary>To the host: a host policy's ingress rules decide it.</summary>
    public const string Ingress = "ingress";

    /// <summary>From the host: a host policy's egress rules decide it.</summary>
    public const string Egress = "egress";
}

/// <summary>
/// One or more flows to or from a node's host that policy would have dropped (Hubble verdict
/// <c>AUDIT</c>), all with the same node, direction, peer, port and protocol.
/// </summary>
/// <param name="Node">The node whose agent saw the flows (Hubble's <c>node_name</c>).</param>
/// <param name="Peer">The other side's address.</param>
/// <param name="PeerIdentity">The other side as Hubble names it: a reserved label (<c>reserved:remote-node</c>, <c>reserved:world</c>) or namespace/pod.</param>
/// <param name="Port">The service port: the destination port, or the source port of a reply.</param>
public sealed record AuditedFlow(
    string Node,
    string Direction,
    string Peer,
    string? PeerIdentity,
    int Port,
    string Protocol,
    long Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen);

/// <summary>
/// Would-be drops of one group, as status and refusals show them. <paramref name="Required"/> names the
/// Talos port it hits, if any.
/// </summary>
public sealed record WouldBeDrop(
    string Node,
    string Direction,
    string Peer,
    string? PeerIdentity,
    int Port,
    string Protocol,
    long Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string? Required)
{
    public override string ToString() =>
        $"{Node} {Direction} {(Direction == FlowDirections.Ingress ? "from" : "to")} {Peer}{(PeerIdentity is null ? "" : $" ({PeerIdentity})")} " +
        $"port {Port}/{Protocol}{(Required is null ? "" : $" [{Required}]")}: {Count} flow(s), last {LastSeen:yyyy-MM-ddTHH:mm:ssZ}";
}
