using System.Text.Json;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Values;

/// <summary>
/// The rendered values a change alters beyond what its request named: a capability BGP adds, a
/// chart default that now shows, a field the repository had and ControlApi renders otherwise.
/// Answers say so plainly, so nobody learns of them from the cluster.
/// </summary>
public static class SideEffects
{
    /// <param name="named">Settings pointers the request named; null for a whole replacement, which names every member it changes.</param>
    public static IReadOnlyList<ValueChange> Of(
        IReadOnlyList<ValueChange> changes, CiliumSettings before, CiliumSettings after, IReadOnlyList<string>? named)
    {
        var members = (named ?? ChangedMembers(before, after)).Select(Segments).ToList();
        // The kustomize file only lists the other files; a file appearing or going is the change itself.
        return changes.Where(change => change.Scope != "Kustomization")
            .Where(change => Owner(change) is not { } owner
                || !members.Any(m => IsPrefix(m, Segments(owner)) || IsPrefix(Segments(owner), m)))
            .ToList();
    }

    /// <summary>The settings member that decides a rendered value, or null for what only facts decide.</summary>
    public static string? Owner(ValueChange change) => change.Scope switch
    {
        ValueScopes.HelmValues => HelmValueOwnership.Collision(ValuePath.Split(change.Path)) is { } owned
            ? owned.Member
            : ValuePath.ToPointer("/extraValues", ValuePath.Split(change.Path)),
        _ when change.Scope.StartsWith("HelmRelease/", StringComparison.Ordinal) && change.Path == "spec.chart.spec.version" => "/chartVersion",
        _ when change.Scope.StartsWith("CiliumBGP", StringComparison.Ordinal) => "/bgp",
        ValueScopes.TalosPatch when change.Path.EndsWith("hostDNS.forwardKubeDNSToHost", StringComparison.Ordinal) => "/talos/forwardKubeDnsToHost",
        _ => null,
    };

    /// <summary>Leaf pointers of a JSON merge patch: what a PATCH names.</summary>
    public static IReadOnlyList<string> PatchMembers(JsonElement patch)
    {
        var members = new List<string>();
        Walk(patch, "", members);
        return members;
    }

    /// <summary>Leaf pointers whose value differs between two settings.</summary>
    public static IReadOnlyList<string> ChangedMembers(CiliumSettings before, CiliumSettings after)
    {
        var leftValues = new Dictionary<string, string>(StringComparer.Ordinal);
        var rightValues = new Dictionary<string, string>(StringComparer.Ordinal);
        Collect(SettingsJson.ToElement(before), "", leftValues);
        Collect(SettingsJson.ToElement(after), "", rightValues);
        return leftValues.Keys.Union(rightValues.Keys)
            .Where(k => leftValues.GetValueOrDefault(k) != rightValues.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static void Walk(JsonElement element, string pointer, List<string> into)
    {
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
        {
            foreach (var property in element.EnumerateObject())
                Walk(property.Value, pointer + "/" + Escape(property.Name), into);
            return;
        }
        into.Add(pointer);
    }

    private static void Collect(JsonElement element, string pointer, Dictionary<string, string> into)
    {
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
        {
            foreach (var property in element.EnumerateObject())
                Collect(property.Value, pointer + "/" + Escape(property.Name), into);
            return;
        }
        into[pointer] = element.GetRawText();
    }

    private static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");

    private static string[] Segments(string pointer) => pointer.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static bool IsPrefix(string[] prefix, string[] path) =>
        prefix.Length <= path.Length && prefix.Zip(path).All(p => p.First == p.Second);
}
