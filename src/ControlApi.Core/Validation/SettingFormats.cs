using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ControlApi.Core.Clusters;

namespace ControlApi.Core.Validation;

/// <summary>
/// The strict formats of the strings in the settings. Each accepts only ASCII letters, digits and
/// the separators of its format, so nothing accepted can carry YAML structure (':', '#', quotes,
/// brackets, spaces, line breaks).
/// </summary>
public static partial class SettingFormats
{
    /// <summary>
    /// The Cilium chart versions the reference data covers: 1.18.&lt;patch&gt;, no 'v', no pre-release.
    /// cilium/NOTES.md: files are from v1.18.2, and "later 1.18 patches (compared with 1.18.12) … none of
    /// the mappings below change".
    /// </summary>
    public const string SupportedChartVersions = "1.18.<patch> (e.g. 1.18.2), written without a 'v' and without a pre-release suffix";

    [GeneratedRegex(@"^1\.18\.(0|[1-9][0-9]{0,8})\z", RegexOptions.CultureInvariant)]
    private static partial Regex ChartVersionPattern();

    // Dotted quad, no leading zeros (the CiliumBGPClusterConfig peerAddress pattern has none either,
    // and '010' reads as octal to some parsers).
    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();

    // Hex groups and colons; an embedded IPv4 tail is allowed. The parser decides the rest.
    [GeneratedRegex(@"^[0-9A-Fa-f:.]{2,45}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6Characters();

    [GeneratedRegex(@"^(?<address>[0-9.]{7,15})/(?<prefix>3[0-2]|[12]?[0-9])\z", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4CidrPattern();

    [GeneratedRegex(@"^[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigitsOnly();

    public static bool IsSupportedChartVersion(string? version) => version is not null && ChartVersionPattern().IsMatch(version);

    /// <summary>
    /// A hostname for external-dns: an RFC 1123 name of lowercase labels (≤ 63 each, ≤ 253 in all),
    /// at least two labels (a single label is no name in any DNS zone external-dns can publish to),
    /// and a last label that is not all digits (RFC 1123 §2.1, so an IPv4 address is never taken for a name).
    /// No trailing dot and no wildcard: external-dns takes the annotation as written.
    /// </summary>
    public static bool IsDnsHostname(string? name)
    {
        if (!KubernetesNames.IsDnsSubdomain(name)) return false;
        var labels = name!.Split('.');
        return labels.Length >= 2 && !DigitsOnly().IsMatch(labels[^1]);
    }

    /// <summary>
    /// One unicast IPv4 or IPv6 address literal — no prefix, port, brackets, zone or hostname;
    /// not the unspecified, broadcast or a multicast address, which no BGP router can have.
    /// </summary>
    public static bool TryParsePeerAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text)) return false;

        IPAddress? parsed = null;
        if (Ipv4Pattern().IsMatch(text))
            parsed = IPAddress.Parse(text);
        else if (text.Contains(':') && Ipv6Characters().IsMatch(text)
                 && IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            parsed = v6;

        if (parsed is null || IsNotUnicast(parsed)) return false;
        address = parsed;
        return true;
    }

    /// <summary>Parses <c>a.b.c.d/n</c> strictly; <paramref name="network"/> is the CIDR with the host bits cleared.</summary>
    public static bool TryParseIpv4Cidr(string? text, out string network)
    {
        network = "";
        if (text is null) return false;
        var match = Ipv4CidrPattern().Match(text);
        if (!match.Success || !Ipv4Pattern().IsMatch(match.Groups["address"].Value)) return false;

        var prefix = int.Parse(match.Groups["prefix"].Value, CultureInfo.InvariantCulture);
        var bytes = IPAddress.Parse(match.Groups["address"].Value).GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var masked = value & mask;
        network = string.Create(CultureInfo.InvariantCulture, $"{masked >> 24}.{(masked >> 16) & 0xFF}.{(masked >> 8) & 0xFF}.{masked & 0xFF}/{prefix}");
        return true;
    }

    private static bool IsNotUnicast(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.Broadcast) || address.Equals(IPAddress.IPv6Any))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6Multicast;
        return address.GetAddressBytes()[0] is >= 224 and <= 239;
    }
}
