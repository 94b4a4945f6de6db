using ControlApi.Core.HostFirewall;

namespace ControlApi.Core.Tests.HostFirewall;

public sealed class AuditVerdictsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private static AuditedFlow Flow(int port, string protocol = "TCP", string node = "node-01", string direction = FlowDirections.Ingress,
        string peer = "10.4.0.10", DateTimeOffset? at = null, long count = 1) =>
        new(node, direction, peer, "reserved:remote-node", port, protocol, count, at ?? Now.AddMinutes(-1), at ?? Now.AddMinutes(-1));

    public static TheoryData<string, int, string, string?> Ports => new()
    {
        { "kube-apiserver", 6443, "TCP", "kube-apiserver 6443/TCP" },
        { "KubePrism", 7445, "TCP", "KubePrism 7445/TCP" },
        { "kubelet", 10250, "TCP", "kubelet 10250/TCP" },
        { "etcd client, first of the range", 2379, "TCP", "etcd 2379-2380/TCP" },
        { "etcd peer, last of the range", 2380, "TCP", "etcd 2379-2380/TCP" },
        { "just past etcd's range", 2381, "TCP", null },
        { "just before etcd's range", 2378, "TCP", null },
        { "apid", 50000, "TCP", "apid 50000/TCP" },
        { "trustd", 50001, "TCP", "trustd 50001/TCP" },
        { "cilium-health", 4240, "TCP", "cilium-health 4240/TCP" },
        { "VXLAN", 8472, "UDP", "VXLAN 8472/UDP" },
        { "Geneve", 6081, "UDP", "Geneve 6081/UDP" },
        { "WireGuard", 51871, "UDP", "WireGuard 51871/UDP" },
        { "VXLAN's port over TCP is not VXLAN", 8472, "TCP", null },
        { "the API server's port over UDP is not the API server", 6443, "UDP", null },
        { "protocol spelled in lower case", 6443, "tcp", "kube-apiserver 6443/TCP" },
        { "an application port", 8080, "TCP", null },
    };

    [Theory]
    [MemberData(nameof(Ports))]
    public void A_would_be_drop_is_required_exactly_on_the_Talos_ports_and_protocols(string because, int port, string protocol, string? required)
    {
        var drop = Assert.Single(AuditVerdicts.InWindow([Flow(port, protocol)], Window, Now));

        Assert.True(required == drop.Required, $"{because}: {drop.Required}");
        Assert.Equal(required is not null, AuditVerdicts.RequiredInWindow([Flow(port, protocol)], Window, Now).Count == 1);
    }

    [Fact]
    public void A_flow_exactly_at_the_window_start_is_in_it_and_a_tick_earlier_has_aged_out()
    {
        Assert.Single(AuditVerdicts.InWindow([Flow(6443, at: Now - Window)], Window, Now));
        Assert.Empty(AuditVerdicts.InWindow([Flow(6443, at: Now - Window - TimeSpan.FromTicks(1))], Window, Now));
    }

    [Fact]
    public void Flows_are_grouped_by_node_direction_peer_port_and_protocol_with_count_and_last_seen()
    {
        var drops = AuditVerdicts.InWindow(
        [
            Flow(6443, at: Now.AddMinutes(-5)),
            Flow(6443, at: Now.AddMinutes(-2), count: 3),
            Flow(6443, node: "node-02"),
            Flow(6443, direction: FlowDirections.Egress),
            Flow(6443, peer: "10.4.0.11"),
            Flow(6443, protocol: "UDP"),
            Flow(8080),
        ], Window, Now);

        Assert.Equal(7 - 1, drops.Count);
        var grouped = drops.Single(d => d is { Node: "node-01", Direction: FlowDirections.Ingress, Peer: "10.4.0.10", Port: 6443, Protocol: "TCP" });
        Assert.Equal(4, grouped.Count);
        Assert.Equal(Now.AddMinutes(-5), grouped.FirstSeen);
        Assert.Equal(Now.AddMinutes(-2), grouped.LastSeen);
        // Required ports first, then by node.
        Assert.All(drops.Take(4), d => Assert.NotNull(d.Required));
        Assert.Null(drops[^1].Required);
    }

    [Fact]
    public void Evidence_without_a_collection_after_audit_was_verified_is_no_audit_period()
    {
        var flows = new[] { Flow(8080) };
        Assert.False(new HostFirewallAuditEvidence(Now, Window, null, Now, flows).HasAuditPeriod);
        Assert.False(new HostFirewallAuditEvidence(Now, Window, Now.AddMinutes(-1), null, flows).HasAuditPeriod);
        Assert.False(new HostFirewallAuditEvidence(Now, Window, Now.AddMinutes(-1), Now.AddMinutes(-2), flows).HasAuditPeriod);
        Assert.False(new HostFirewallAuditEvidence(Now, Window, Now.AddHours(-1), Now.AddMinutes(-16), flows).HasAuditPeriod);
        Assert.True(new HostFirewallAuditEvidence(Now, Window, Now.AddHours(-1), Now.AddMinutes(-1), flows).HasAuditPeriod);
        Assert.Null(HostFirewallGate.Judge(new HostFirewallAuditEvidence(Now, Window, Now.AddHours(-1), Now.AddMinutes(-1), flows)));
    }
}
