using System.Net;
using ControlApi.Core.Settings;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>Tunnel versus native routing, and the disruption of changing it.</summary>
internal static class RoutingRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var routing = context.Desired.Routing;

        // cilium/NOTES.md: Native routing — config.go checkIPv4NativeRoutingCIDR errors when routing-mode=native,
        // IPv4 masquerade is on (the chart default; ControlApi does not turn it off) and the CIDR is unset.
        if (routing is { Mode: RoutingMode.Native, Ipv4NativeRoutingCidr: null })
            yield return Issue.Error(NativeRoutingCidrRequired, SettingsPointers.RoutingIpv4NativeRoutingCidr,
                ValidationMessages.NativeRoutingCidrRequired);

        if (routing.Ipv4NativeRoutingCidr is { } cidr)
        {
            // Rendered as ipv4NativeRoutingCIDR (cilium/NOTES.md: Related keys), which the agent parses as an IPv4 CIDR.
            if (!SettingFormats.TryParseIpv4Cidr(cidr, out var network))
                yield return Issue.Error(NativeRoutingCidrInvalid, SettingsPointers.RoutingIpv4NativeRoutingCidr,
                    ValidationMessages.NativeRoutingCidrInvalid, Display.Quote(cidr));
            // The agent would mask the host bits away silently; '10.244.1.0/16' is almost always a typo.
            else if (network != cidr)
                yield return Issue.Error(NativeRoutingCidrHostBitsSet, SettingsPointers.RoutingIpv4NativeRoutingCidr,
                    ValidationMessages.NativeRoutingCidrHostBitsSet, Display.Quote(cidr), network);
            else if (NativeRoutingRange(context, cidr) is { } range)
                yield return range;
        }

        // cilium/NOTES.md: Tunnel protocol — tunnel-protocol is rendered even in native mode, where it means nothing;
        // SPEC §2 "tunnelProtocol only in tunnel mode", so a value there is a misunderstanding worth stopping.
        if (routing is { Mode: RoutingMode.Native, TunnelProtocol: not null })
            yield return Issue.Error(TunnelProtocolNeedsTunnelMode, SettingsPointers.RoutingTunnelProtocol,
                ValidationMessages.TunnelProtocolNeedsTunnelMode);

        if (RoutingChange(context.Current?.Routing, routing) is { } change)
            yield return change;
    }

    /// <summary>
    /// The native routing CIDR is the range the agent routes without masquerading (cilium/NOTES.md: Native routing —
    /// config.go checkIPv4NativeRoutingCIDR; StatusResponse masquerading <c>snat-exclusion-cidr</c>), whatever the
    /// routing mode. A public range (worst: 0.0.0.0/0) stops masquerading towards real outside hosts, and a range
    /// that misses a pod subnet masquerades or mis-routes those pods' traffic between nodes. With ipam.mode
    /// kubernetes (TalosRules) the pod addresses come from the cluster's Talos pod subnets, a cluster fact.
    /// </summary>
    private static ValidationIssue? NativeRoutingRange(ValidationContext context, string cidr)
    {
        if (!Ipv4Ranges.TryParseNetwork(cidr, out var native)) return null;
        var cluster = context.Cluster;
        var podSubnets = cluster.Talos.PodSubnets
            .Select(text => Ipv4Ranges.TryParseNetwork(text, out var subnet) ? subnet : (IPNetwork?)null)
            .OfType<IPNetwork>()
            .ToList();

        if (!Ipv4Ranges.IsPrivate(native))
            return Issue.Error(NativeRoutingCidrNotPrivate, SettingsPointers.RoutingIpv4NativeRoutingCidr,
                ValidationMessages.NativeRoutingCidrNotPrivate, Display.Quote(cidr), PublicPart(native), cluster.Id, Fix(podSubnets));

        foreach (var subnet in podSubnets.Where(subnet => !Ipv4Ranges.Contains(native, subnet)))
            return Issue.Error(NativeRoutingCidrMissesPodSubnet, SettingsPointers.RoutingIpv4NativeRoutingCidr,
                ValidationMessages.NativeRoutingCidrMissesPodSubnet, Display.Quote(cidr), subnet.ToString(),
                string.Join(", ", cluster.Talos.PodSubnets), cluster.Id, Fix(podSubnets));
        return null;
    }

    /// <summary>
    /// The merge patch that fixes it: the smallest range holding every pod subnet when that is private,
    /// otherwise (pod subnets in different private blocks, which no single private CIDR covers) tunnel mode.
    /// </summary>
    private static string Fix(IReadOnlyList<IPNetwork> podSubnets)
    {
        if (podSubnets.Count > 0 && Ipv4Ranges.SmallestCover(podSubnets) is var cover && Ipv4Ranges.IsPrivate(cover))
            return $$$"""{"routing":{"ipv4NativeRoutingCidr":"{{{cover}}}"}}""";
        return """{"routing":{"mode":"tunnel","ipv4NativeRoutingCidr":null}}""";
    }

    /// <summary>Names what the range wrongly covers: everything, or public addresses.</summary>
    private static string PublicPart(IPNetwork native) =>
        native.PrefixLength == 0 ? "every IPv4 address, the whole internet" : "public internet addresses";

    /// <summary>
    /// SPEC §2 warning: a routing mode or tunnel protocol change re-plumbs every node. Compared by effect:
    /// an unset tunnel protocol is vxlan (cilium/NOTES.md: Tunnel protocol `default "vxlan"`).
    /// </summary>
    private static ValidationIssue? RoutingChange(RoutingSettings? current, RoutingSettings desired)
    {
        if (current is null) return null;

        if (current.Mode != desired.Mode)
            return Issue.Warning(RoutingChangeDisruptsPodTraffic, SettingsPointers.RoutingMode,
                ValidationMessages.RoutingChangeDisruptsPodTraffic, "routing.mode", Describe(current.Mode), Describe(desired.Mode));

        if (desired.Mode == RoutingMode.Tunnel && EffectiveTunnel(current) != EffectiveTunnel(desired))
            return Issue.Warning(RoutingChangeDisruptsPodTraffic, SettingsPointers.RoutingTunnelProtocol,
                ValidationMessages.RoutingChangeDisruptsPodTraffic, "routing.tunnelProtocol",
                Describe(EffectiveTunnel(current)), Describe(EffectiveTunnel(desired)));

        return null;
    }

    private static TunnelProtocol EffectiveTunnel(RoutingSettings routing) => routing.TunnelProtocol ?? TunnelProtocol.Vxlan;

    private static string Describe(RoutingMode mode) => mode == RoutingMode.Native ? "native" : "tunnel";

    private static string Describe(TunnelProtocol protocol) => protocol == TunnelProtocol.Geneve ? "geneve" : "vxlan";
}
