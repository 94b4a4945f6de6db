using System.Net;

namespace ControlApi.Core.Validation;

/// <summary>Containment of IPv4 networks, for the native routing CIDR rules.</summary>
public static class Ipv4Ranges
{
    /// <summary>
    /// Ranges never routed on the public internet: RFC 1918 (10/8, 172.16/12, 192.168/16) and RFC 6598's
    /// shared address space 100.64/10 — carrier-grade NAT space that pod networks use when the LAN already
    /// takes the RFC 1918 ranges. Addresses in them are never the outside hosts pods reach through
    /// masquerading, so excluding them from masquerading cannot cut pods off from the internet.
    /// </summary>
    public static IReadOnlyList<IPNetwork> Private { get; } =
    [
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"),
    ];

    /// <summary>Parses a CIDR that <see cref="SettingFormats.TryParseIpv4Cidr"/> accepted as a network address.</summary>
    public static bool TryParseNetwork(string? cidr, out IPNetwork network)
    {
        network = default;
        return SettingFormats.TryParseIpv4Cidr(cidr, out var normalized) && normalized == cidr && IPNetwork.TryParse(cidr, out network);
    }

    /// <summary>Every address of <paramref name="inner"/> is in <paramref name="outer"/>.</summary>
    public static bool Contains(IPNetwork outer, IPNetwork inner) =>
        outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    public static bool IsPrivate(IPNetwork network) => Private.Any(range => Contains(range, network));

    /// <summary>The smallest network that contains all of <paramref name="networks"/> (at least one).</summary>
    public static IPNetwork SmallestCover(IReadOnlyList<IPNetwork> networks)
    {
        var prefix = networks.Min(n => n.PrefixLength);
        var first = ToUInt(networks[0].BaseAddress);
        while (prefix > 0 && networks.Any(n => Mask(ToUInt(n.BaseAddress), prefix) != Mask(first, prefix)))
            prefix--;
        var bytes = BitConverter.GetBytes(Mask(first, prefix));
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
        return new IPNetwork(new IPAddress(bytes), prefix);
    }

    private static uint Mask(uint address, int prefix) => prefix == 0 ? 0u : address & (uint.MaxValue << (32 - prefix));

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }
}
