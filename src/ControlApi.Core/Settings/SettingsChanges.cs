using System.Text.Json;
using ControlApi.Core.Features;

namespace ControlApi.Core.Settings;

/// <summary>One setting that differs between two revisions: its JSON pointer, and the value before and after (null: absent or null).</summary>
public sealed record SettingChange(string Pointer, JsonElement? Old, JsonElement? New);

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

    /// <summary>
    /// Every leaf setting that differs, as a JSON pointer with its old and new value, in pointer order.
    /// Lists (BGP peers) are compared and shown whole, as in <see cref="Phrases"/>.
    /// </summary>
    public static IReadOnlyList<SettingChange> Leaves(CiliumSettings before, CiliumSettings after)
    {
        var left = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var right = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        Pointers(SettingsJson.ToElement(before), "", left);
        Pointers(SettingsJson.ToElement(after), "", right);
        var changes = new List<SettingChange>();
        foreach (var pointer in left.Keys.Union(right.Keys).Order(StringComparer.Ordinal))
        {
            JsonElement? a = left.TryGetValue(pointer, out var l) && l.ValueKind != JsonValueKind.Null ? l : null;
            JsonElement? b = right.TryGetValue(pointer, out var r) && r.ValueKind != JsonValueKind.Null ? r : null;
            if (a is null && b is null) continue;
            if (a is { } x && b is { } y && JsonElement.DeepEquals(x, y)) continue;
            changes.Add(new SettingChange(pointer, a, b));
        }
        return changes;
    }

    private static void Pointers(JsonElement element, string prefix, Dictionary<string, JsonElement> into)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            into[prefix] = element.Clone();
            return;
        }
        foreach (var property in element.EnumerateObject())
            Pointers(property.Value, prefix + "/" + property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal), into);
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
