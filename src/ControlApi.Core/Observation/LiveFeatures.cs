using ControlApi.Core.Features;

namespace ControlApi.Core.Observation;

/// <summary>
/// Which features the live cluster has on, read from the <c>cilium-config</c> keys the chart
/// renders for them (the same keys <see cref="LiveState.CiliumConfigTemplate"/> expects) and, for
/// the Hubble UI (no config key), whether its Service exists.
/// </summary>
public static class LiveFeatures
{
    /// <returns>Feature name → on/off; null when the observation cannot tell (no ConfigMap read).</returns>
    public static IReadOnlyDictionary<string, bool?> From(IReadOnlyDictionary<string, string>? config, bool? hubbleUiPresent)
    {
        bool? Key(params string[] keys) => config is null ? null : keys.Any(k => config.TryGetValue(k, out var v) && v == "true");
        var live = new Dictionary<string, bool?>(StringComparer.Ordinal)
        {
            ["encryption"] = Key("enable-wireguard", "enable-ipsec"),
            ["bgp"] = Key("enable-bgp-control-plane"),
            ["hubble"] = Key("enable-hubble"),
            ["hubble-ui"] = hubbleUiPresent,
            ["host-firewall"] = Key("enable-host-firewall"),
            ["bandwidth-manager"] = Key("enable-bandwidth-manager"),
            ["bbr"] = Key("enable-bbr"),
            ["l7-proxy"] = Key("enable-l7-proxy"),
            ["kube-proxy-replacement"] = Key("kube-proxy-replacement"),
        };
        // Every public feature name has a live reading; a new feature without one fails loudly in tests.
        foreach (var feature in FeatureCatalog.All) live.TryAdd(feature.Name, null);
        return live;
    }
}
