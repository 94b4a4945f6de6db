using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// A <c>metav1.LabelSelector</c> object (matchLabels, matchExpressions with In, NotIn, Exists,
/// DoesNotExist) matched against a node's labels, as the agent picks the CiliumNodeConfigs for
/// its node. Per the CRD: a missing selector selects no node, an empty one every node. Written
/// apart from ControlApi.Core's selector so a test comparing the two is not a tautology.
/// </summary>
internal static class NodeConfigSelector
{
    public static bool Selects(JsonObject? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null) return false;
        foreach (var (key, value) in selector["matchLabels"] as JsonObject ?? [])
            if (!labels.TryGetValue(key, out var actual) || actual != value?.GetValue<string>()) return false;
        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression["key"]!.GetValue<string>();
            var values = (expression["values"] as JsonArray ?? []).Select(v => v!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            var has = labels.TryGetValue(key, out var actual);
            var holds = expression["operator"]!.GetValue<string>() switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                var other => throw new InvalidOperationException($"unknown label selector operator '{other}'"),
            };
            if (!holds) return false;
        }
        return true;
    }
}
