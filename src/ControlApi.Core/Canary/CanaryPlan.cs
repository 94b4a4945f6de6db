using System.Text.RegularExpressions;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Values;

namespace ControlApi.Core.Canary;

/// <summary>What a canary commit adds: the nodes, and the cilium-config keys (with their new values) those nodes get.</summary>
public sealed record CanaryOverlay(NodeSelector Selector, IReadOnlyDictionary<string, string> Keys)
{
    public bool Equals(CanaryOverlay? other) =>
        other is not null && Selector.Equals(other.Selector)
        && Keys.Count == other.Keys.Count && Keys.All(k => other.Keys.TryGetValue(k.Key, out var v) && v == k.Value);

    public override int GetHashCode() => HashCode.Combine(Selector, Keys.Count);
}

/// <summary>Whether a change can be tried on a few nodes first, and with which keys.</summary>
public abstract record CanaryVerdict
{
    private CanaryVerdict() { }

    /// <summary>The change is only cilium-config keys: these keys (new values) on the canary nodes say it all.</summary>
    public sealed record Possible(IReadOnlyDictionary<string, string> Keys) : CanaryVerdict;

    /// <summary>Parts of the change a CiliumNodeConfig cannot carry, each said so a person can act on it.</summary>
    public sealed record Impossible(IReadOnlyList<string> Reasons) : CanaryVerdict;
}

/// <summary>
/// Decides whether a change can be a canary, and computes its keys. A CiliumNodeConfig overrides
/// cilium-config keys on the nodes it selects and nothing else, so a change can be a canary only
/// when all it changes is keys the chart writes into cilium-config (<see cref="CiliumConfigTemplate"/>):
/// not the chart version, not the Talos patch, not the BGP resources, not any Helm value the
/// cilium-config template does not read (Hubble Relay and UI deployments, agent capabilities,
/// free-form values), and no key may disappear — a CiliumNodeConfig can set a key, not remove one.
/// Pure.
/// </summary>
public static partial class CanaryPlan
{
    public const string RolloutWithoutCanary = "Roll it out without a canary (no X-Rollout header), or split the change so that its cilium-config part goes first as a canary.";

    public static CanaryVerdict Decide(ClusterProfile cluster, CiliumSettings previous, CiliumSettings desired)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(desired);
        var reasons = new List<string>();
        if (previous.ChartVersion != desired.ChartVersion)
            reasons.Add($"it changes the chart version ({previous.ChartVersion ?? "default"} → {desired.ChartVersion ?? "default"}): a new chart changes the agent image and templates on every node, not only cilium-config");

        var before = ManifestRenderer.Render(cluster, previous);
        var after = ManifestRenderer.Render(cluster, desired);
        var release = ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.ReleaseFile);
        foreach (var path in before.OwnedPaths.Where(p => p != release))
        {
            if (before.Find(path)?.Content == after.Find(path)?.Content) continue;
            reasons.Add($"it changes {Describe(cluster, path)}, which a CiliumNodeConfig cannot carry");
        }

        var read = ReadValuePaths();
        var changes = ValueChanges.Between(cluster, ValueChanges.Files(before), ValueChanges.Files(after))
            .Where(c => c.Scope == ValueScopes.HelmValues)
            .ToList();
        foreach (var change in changes.Where(c => !read.Any(r => Related(c.Path, r))))
            reasons.Add($"it changes the Helm value {change}, which is not a cilium-config key (it shapes other objects of the release)");

        var oldKeys = CiliumConfigTemplate.Render(HelmValuesBuilder.Build(cluster, previous)).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        var newKeys = CiliumConfigTemplate.Render(HelmValuesBuilder.Build(cluster, desired));
        var keys = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in newKeys)
        {
            var old = oldKeys.GetValueOrDefault(key.Key);
            if (old == key.Value) continue;
            if (key.Value is null)
                reasons.Add($"it removes the cilium-config key {key.Key} (now \"{old}\"): a CiliumNodeConfig can set keys, not remove them");
            else
                keys[key.Key] = key.Value;
        }
        if (reasons.Count == 0 && keys.Count == 0)
            reasons.Add("it changes no cilium-config key, so there is nothing for the canary nodes to try");
        return reasons.Count > 0 ? new CanaryVerdict.Impossible(reasons) : new CanaryVerdict.Possible(keys);
    }

    private static string Describe(ClusterProfile cluster, string path) =>
        path == ManifestRenderer.TalosPatchFilePath(cluster) ? $"the Talos machine-config patch ({path})"
        : path == ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.BgpFile) ? $"the BGP resources ({path})"
        : path;

    // A changed value is covered by a value the template reads when one is within the other
    // (hostFirewall.enabled is read as part of hostFirewall, and bandwidthManager as a whole).
    private static bool Related(string changed, string read) =>
        changed == read
        || changed.StartsWith(read + ".", StringComparison.Ordinal)
        || read.StartsWith(changed + ".", StringComparison.Ordinal);

    /// <summary>
    /// The Helm values the cilium-config rules read, taken from the template text each rule quotes
    /// (<c>.Values.a.b</c> and <c>hasKey .Values.a "b"</c>), so the list cannot drift from the rules.
    /// </summary>
    public static IReadOnlyList<string> ReadValuePaths()
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in CiliumConfigTemplate.Rules)
        {
            foreach (var text in rule.Guards.Prepend(rule.TemplateLine))
            {
                foreach (Match m in ValuesReference().Matches(text)) paths.Add(m.Groups["path"].Value);
                foreach (Match m in HasKeyReference().Matches(text))
                    paths.Add(m.Groups["under"].Success && m.Groups["under"].Length > 0 ? $"{m.Groups["under"].Value.TrimStart('.')}.{m.Groups["key"].Value}" : m.Groups["key"].Value);
            }
        }
        // The rules' own helper variables ($kubeProxyReplacement, $ipam) stand for these values.
        paths.Add("kubeProxyReplacement");
        paths.Add("ipam.mode");
        return paths.ToArray();
    }

    [GeneratedRegex(@"\.Values\.(?<path>[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"hasKey \.Values(?<under>(\.[A-Za-z0-9_]+)*) ""(?<key>[A-Za-z0-9_]+)""", RegexOptions.CultureInvariant)]
    private static partial Regex HasKeyReference();
}
