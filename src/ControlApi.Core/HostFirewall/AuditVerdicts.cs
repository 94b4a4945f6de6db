namespace ControlApi.Core.HostFirewall;

/// <summary>
/// Pure: which audited flows fall in the recent window, grouped by node, direction, peer, port and
/// protocol, newest first. A group is in the window when its last flow is at or after
/// <c>now − window</c>; a group wholly older has aged out.
/// </summary>
public static class AuditVerdicts
{
    public static IReadOnlyList<WouldBeDrop> InWindow(IEnumerable<AuditedFlow> flows, TimeSpan window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var since = now - window;
        return flows
            .Where(f => f.LastSeen >= since)
            .GroupBy(f => (f.Node, f.Direction, f.Peer, f.Port, Protocol: f.Protocol.ToUpperInvariant()))
            .Select(g => new WouldBeDrop(
                g.Key.Node, g.Key.Direction, g.Key.Peer, g.Select(f => f.PeerIdentity).FirstOrDefault(p => p is not null),
                g.Key.Port, g.Key.Protocol, g.Sum(f => f.Count), g.Min(f => f.FirstSeen), g.Max(f => f.LastSeen),
                TalosRequiredPorts.Find(g.Key.Protocol, g.Key.Port)?.ToString()))
            .OrderByDescending(d => d.Required is not null)
            .ThenBy(d => d.Node, StringComparer.Ordinal)
            .ThenBy(d => d.Port)
            .ThenBy(d => d.Protocol, StringComparer.Ordinal)
            .ThenBy(d => d.Direction, StringComparer.Ordinal)
            .ThenBy(d => d.Peer, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The would-be drops in the window that hit a port a Talos node needs.</summary>
    public static IReadOnlyList<WouldBeDrop> RequiredInWindow(IEnumerable<AuditedFlow> flows, TimeSpan window, DateTimeOffset now) =>
        InWindow(flows, window, now).Where(d => d.Required is not null).ToList();

    /// <summary>Groups single flows (or earlier groups) into one entry per node, direction, peer, port and protocol.</summary>
    public static IReadOnlyList<AuditedFlow> Group(IEnumerable<AuditedFlow> flows) =>
        flows
            .GroupBy(f => (f.Node, f.Direction, f.Peer, f.Port, Protocol: f.Protocol.ToUpperInvariant()))
            .Select(g => new AuditedFlow(g.Key.Node, g.Key.Direction, g.Key.Peer, g.Select(f => f.PeerIdentity).FirstOrDefault(p => p is not null),
                g.Key.Port, g.Key.Protocol, g.Sum(f => f.Count), g.Min(f => f.FirstSeen), g.Max(f => f.LastSeen)))
            .OrderBy(f => f.Node, StringComparer.Ordinal).ThenBy(f => f.Port).ThenBy(f => f.Protocol, StringComparer.Ordinal)
            .ThenBy(f => f.Direction, StringComparer.Ordinal).ThenBy(f => f.Peer, StringComparer.Ordinal)
            .ToList();
}
