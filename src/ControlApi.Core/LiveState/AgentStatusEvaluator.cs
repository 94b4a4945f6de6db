using System.Globalization;
using System.Text.Json;

namespace ControlApi.Core.LiveState;

/// <summary>
/// Compares one agent's parsed <c>StatusResponse</c> with the expected facts and says which failed,
/// desired against live. Pure: the caller execs <c>cilium status -o json</c> in each agent pod.
/// </summary>
public static class AgentStatusEvaluator
{
    public static IReadOnlyList<AgentFactMismatch> Evaluate(IEnumerable<ExpectedAgentFact> expected, JsonElement statusResponse)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var mismatches = new List<AgentFactMismatch>();
        foreach (var fact in expected)
        {
            var found = Resolve(statusResponse, fact.Path.Split('.'), 0, "").ToList();
            if (found.Count == 0)
            {
                mismatches.Add(new AgentFactMismatch(fact, fact.Path, null));
                continue;
            }
            foreach (var (location, value) in found)
            {
                var live = value is { } element ? Text(element) : null;
                if (live is null || !fact.Accepted.Contains(live, StringComparer.Ordinal))
                    mismatches.Add(new AgentFactMismatch(fact, location, live));
            }
        }
        return mismatches;
    }

    /// <summary>
    /// Every (location, value) the path reaches; a missing member yields its location with no
    /// value, and a <c>[*]</c> over an empty or missing array yields that array's location, so
    /// "no WireGuard interface at all" is reported rather than passing vacuously.
    /// </summary>
    private static IEnumerable<(string Location, JsonElement? Value)> Resolve(JsonElement current, string[] segments, int index, string location)
    {
        if (index == segments.Length)
        {
            yield return (location, current);
            yield break;
        }

        var segment = segments[index];
        var each = segment.EndsWith("[*]", StringComparison.Ordinal);
        var name = each ? segment[..^3] : segment;
        var here = location.Length == 0 ? name : $"{location}.{name}";

        if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null)
        {
            yield return (each ? $"{here}[*]" : here, null);
            yield break;
        }
        if (!each)
        {
            foreach (var result in Resolve(child, segments, index + 1, here)) yield return result;
            yield break;
        }
        if (child.ValueKind != JsonValueKind.Array || child.GetArrayLength() == 0)
        {
            yield return ($"{here}[*]", null);
            yield break;
        }
        var i = 0;
        foreach (var item in child.EnumerateArray())
        {
            foreach (var result in Resolve(item, segments, index + 1, $"{here}[{i.ToString(CultureInfo.InvariantCulture)}]"))
                yield return result;
            i++;
        }
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
