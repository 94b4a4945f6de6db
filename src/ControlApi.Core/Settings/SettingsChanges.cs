using System.Text.Json;
using ControlApi.Core.Features;

namespace ControlApi.Core.Settings;

/// <summary>
/// Says in a few words what a change does, e.g. <c>enable encryption (wireguard), disable host-firewall</c>:
/// the commit subject, the audit summary and chat answers all read this.
/// </summary>
public static class SettingsChanges
{
    public static string Describe(CiliumSettings before, CiliumSettings after)
    {
        var phrases = Phrases(before, after);
        return phrases.Count == 0 ? "no change" : string.Join(", ", phrases);
    }

    public static IReadOnlyList<string> Phrases(CiliumSettings before, CiliumSettings after)
    {
        var phrases = new List<string>();
        foreach (var feature in FeatureCatalog.All)
        {
            var was = feature.IsEnabled(before);
            var now = feature.IsEnabled(after);
            if (was == now) continue;
            var detail = feature.Name == "encryption" && now ? $" ({Name(after.Encryption.Type)})" : "";
            phrases.Add($"{(now ? "enable" : "disable")} {feature.Name}{detail}");
        }

        // Everything that is not a feature switch: name the leaf settings that changed.
        var featureLeaves = new HashSet<string>(StringComparer.Ordinal)
        {
            "encryption.enabled", "bgp.enabled", "hubble.enabled", "hubble.ui.enabled", "hostFirewall.enabled",
            "bandwidthManager.enabled", "bandwidthManager.bbr", "l7Proxy", "kubeProxyReplacement",
        };
        var left = Flatten(SettingsJson.ToElement(before));
        var right = Flatten(SettingsJson.ToElement(after));
        foreach (var key in left.Keys.Union(right.Keys).Order(StringComparer.Ordinal))
        {
            if (featureLeaves.Contains(key)) continue;
            left.TryGetValue(key, out var a);
            right.TryGetValue(key, out var b);
            if (a == b) continue;
            // Encryption type rides along with "enable encryption (type)" when both change together.
            if (key == "encryption.type" && !before.Encryption.Enabled && after.Encryption.Enabled) continue;
            phrases.Add($"set {key} to {b ?? "default"}");
        }
        return phrases;
    }

    private static string Name(EncryptionType type) => type == EncryptionType.Ipsec ? "ipsec" : "wireguard";

    private static Dictionary<string, string?> Flatten(JsonElement element)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        Walk(element, "", result);
        return result;
    }

    private static void Walk(JsonElement element, string prefix, Dictionary<string, string?> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    Walk(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}", into);
                break;
            case JsonValueKind.Array:
                // Lists (BGP peers) are compared whole: "set bgp.peers to ..." reads better than per index.
                into[prefix] = element.GetArrayLength() == 0 ? "[]" : element.GetRawText();
                break;
            case JsonValueKind.Null:
                into[prefix] = null;
                break;
            case JsonValueKind.String:
                into[prefix] = element.GetString();
                break;
            default:
                into[prefix] = element.GetRawText();
                break;
        }
    }
}
