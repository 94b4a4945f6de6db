namespace ControlApi.Core.HostFirewall;

/// <summary>Transport protocols as Hubble's <c>l4</c> names them.</summary>
public static class TransportProtocols
{
    public const string Tcp = "TCP";
    public const string Udp = "UDP";
}

/// <summary>One port (or range) a Talos node running Cilium must keep open, and what listens there.</summary>
public sealed record RequiredPort(string Name, string Protocol, int From, int To)
{
    public bool Covers(string protocol, int port) =>
        string.Equals(Protocol, protocol, StringComparison.OrdinalIgnoreCase) && port >= From && port <= To;

    public string Ports => From == To ? $"{From}" : $"{From}-{To}";

    public override string ToString() => $"{Name} {Ports}/{Protocol}";
}

/// <summary>
/// What a Talos node needs reachable to stay in the cluster. A host policy that would drop any of
/// these cuts a node off (or the whole control plane), so enforcing is refused while audit shows
/// such would-be drops. Sources: Talos "Network connectivity" (docs/talos, learn-more/talos-network-connectivity:
/// apid 50000, trustd 50001, kube-apiserver 6443, etcd 2379–2380, kubelet 10250; KubePrism 7445 from
/// the Talos KubePrism guide), and Cilium's system requirements "Firewall rules" (cilium-health 4240,
/// VXLAN 8472/udp, Geneve 6081/udp, WireGuard 51871/udp).
/// </summary>
public static class TalosRequiredPorts
{
    public static readonly RequiredPort KubeApiServer = new("kube-apiserver", TransportProtocols.Tcp, 6443, 6443);
    public static readonly RequiredPort KubePrism = new("KubePrism", TransportProtocols.Tcp, 7445, 7445);
    public static readonly RequiredPort Kubelet = new("kubelet", TransportProtocols.Tcp, 10250, 10250);
    public static readonly RequiredPort Etcd = new("etcd", TransportProtocols.Tcp, 2379, 2380);
    public static readonly RequiredPort Apid = new("apid", TransportProtocols.Tcp, 50000, 50000);
    public static readonly RequiredPort Trustd = new("trustd", TransportProtocols.Tcp, 50001, 50001);
    public static readonly RequiredPort CiliumHealth = new("cilium-health", TransportProtocols.Tcp, 4240, 4240);
    public static readonly RequiredPort Vxlan = new("VXLAN", TransportProtocols.Udp, 8472, 8472);
    public static readonly RequiredPort Geneve = new("Geneve", TransportProtocols.Udp, 6081, 6081);
    public static readonly RequiredPort WireGuard = new("WireGuard", TransportProtocols.Udp, 51871, 51871);

    public static IReadOnlyList<RequiredPort> All { get; } =
        [KubeApiServer, KubePrism, Kubelet, Etcd, Apid, Trustd, CiliumHealth, Vxlan, Geneve, WireGuard];

    /// <summary>The required port <paramref name="port"/>/<paramref name="protocol"/> falls in, if any.</summary>
    public static RequiredPort? Find(string protocol, int port) => All.FirstOrDefault(p => p.Covers(protocol, port));
}
