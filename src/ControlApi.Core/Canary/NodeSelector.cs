using System.Text;
using System.Text.RegularExpressions;
using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Canary;

/// <summary>How one requirement of a label selector relates a label key to values (metav1.LabelSelectorOperator).</summary>
public enum SelectorOperator { In, NotIn, Exists, DoesNotExist }

/// <summary>One requirement: key, operator and (for In/NotIn) the values, sorted.</summary>
public sealed record SelectorRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        SelectorOperator.In => labels.TryGetValue(Key, out var value) && Values.Contains(value, StringComparer.Ordinal),
        // As in Kubernetes: NotIn (and !=) also holds for a node without the label.
        SelectorOperator.NotIn => !labels.TryGetValue(Key, out var value) || !Values.Contains(value, StringComparer.Ordinal),
        SelectorOperator.Exists => labels.ContainsKey(Key),
        SelectorOperator.DoesNotExist => !labels.ContainsKey(Key),
        _ => false,
    };

    public bool Equals(SelectorRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, Values.Count);

    public override string ToString() => Operator switch
    {
        SelectorOperator.In when Values.Count == 1 => $"{Key}={Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(",", Values)})",
        SelectorOperator.NotIn when Values.Count == 1 => $"{Key}!={Values[0]}",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
        SelectorOperator.Exists => Key,
        _ => $"!{Key}",
    };
}

/// <summary>
/// The nodes a canary runs on: a Kubernetes label selector in the text form <c>kubectl -l</c> takes
/// (k8s.io/apimachinery/pkg/labels, selector.go): requirements separated by commas, each
/// <c>key</c>, <c>!key</c>, <c>key=value</c>, <c>key==value</c>, <c>key!=value</c>,
/// <c>key in (a,b)</c> or <c>key notin (a,b)</c>; all must hold. Rendered as the
/// <c>metav1.LabelSelector</c> of a CiliumNodeConfig's <c>spec.nodeSelector</c> (matchExpressions),
/// and matched against node labels the way the agent does when it picks its CiliumNodeConfigs.
/// An empty selector is refused: on a CiliumNodeConfig it selects every node, which is no canary.
/// </summary>
public sealed partial record NodeSelector(IReadOnlyList<SelectorRequirement> Requirements)
{
    public const int MaxLength = 1024;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));

    /// <summary>The canonical text (requirements in order given), which parses back to the same selector.</summary>
    public override string ToString() => string.Join(",", Requirements);

    public bool Equals(NodeSelector? other) => other is not null && Requirements.SequenceEqual(other.Requirements);

    public override int GetHashCode() => Requirements.Count;

    /// <summary>The <c>metav1.LabelSelector</c> object (matchExpressions only; an In of one value is still In).</summary>
    public YamlMap ToLabelSelector()
    {
        var expressions = Requirements.Select(r =>
        {
            var map = new YamlMap().Add("key", r.Key).Add("operator", r.Operator.ToString());
            if (r.Operator is SelectorOperator.In or SelectorOperator.NotIn) map.Add("values", YamlList.Strings(r.Values));
            return (YamlValue)map;
        }).ToArray();
        return new YamlMap().Add("matchExpressions", new YamlList(expressions));
    }

    /// <summary>Parses <paramref name="text"/>; the error says what is wrong and shows a form that works.</summary>
    public static (NodeSelector? Selector, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return (null, "The node selector is empty: it would select every node. Name the canary nodes, e.g. 'kubernetes.io/hostname in (node-01,node-02)' or 'role=canary'.");
        if (text.Length > MaxLength) return (null, $"The node selector is longer than {MaxLength} characters; label a few nodes (e.g. role=canary) and select that label.");
        var requirements = new List<SelectorRequirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var (requirement, error) = ParseRequirement(part.Trim());
            if (requirement is null) return (null, $"Node selector '{text}': {error}");
            requirements.Add(requirement);
        }
        return (new NodeSelector(requirements), null);
    }

    private static (SelectorRequirement? Requirement, string? Error) ParseRequirement(string part)
    {
        const string Forms = "use key=value, key!=value, key in (a,b), key notin (a,b), key or !key";
        if (part.Length == 0) return (null, $"an empty requirement (two commas, or one at the end); {Forms}.");
        var set = SetForm().Match(part);
        if (set.Success)
        {
            var key = set.Groups["key"].Value;
            var values = set.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries);
            if (values.Any(v => v.Length == 0)) return (null, $"'{part}' has an empty value in its list; {Forms}.");
            if (CheckKey(key) is { } keyError) return (null, keyError);
            if (values.Select(CheckValue).FirstOrDefault(e => e is not null) is { } valueError) return (null, valueError);
            var op = set.Groups["op"].Value == "in" ? SelectorOperator.In : SelectorOperator.NotIn;
            return (new SelectorRequirement(key, op, values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()), null);
        }
        var equality = EqualityForm().Match(part);
        if (equality.Success)
        {
            var key = equality.Groups["key"].Value;
            var value = equality.Groups["value"].Value;
            if (CheckKey(key) is { } keyError) return (null, keyError);
            if (CheckValue(value) is { } valueError) return (null, valueError);
            var op = equality.Groups["op"].Value == "!=" ? SelectorOperator.NotIn : SelectorOperator.In;
            return (new SelectorRequirement(key, op, [value]), null);
        }
        var exists = ExistsForm().Match(part);
        if (exists.Success)
        {
            var key = exists.Groups["key"].Value;
            if (CheckKey(key) is { } keyError) return (null, keyError);
            return (new SelectorRequirement(key, exists.Groups["not"].Success ? SelectorOperator.DoesNotExist : SelectorOperator.Exists, []), null);
        }
        return (null, $"'{part}' is not a requirement; {Forms}.");
    }

    // Commas inside "in (…)" lists belong to the list, not to the selector.
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (c == ',' && depth == 0)
            {
                yield return current.ToString();
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        yield return current.ToString();
    }

    /// <summary>A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters (validation.IsQualifiedName).</summary>
    private static string? CheckKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash >= 0 ? key[..slash] : null;
        var name = slash >= 0 ? key[(slash + 1)..] : key;
        if (prefix is not null && (prefix.Length is 0 or > 253 || !Subdomain().IsMatch(prefix)))
            return $"label key '{key}' has an invalid prefix: it must be a DNS subdomain (lower case, dots), as in kubernetes.io/hostname.";
        if (name.Length is 0 or > 63 || !LabelName().IsMatch(name))
            return $"label key '{key}' is not a valid label name (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit).";
        return null;
    }

    /// <summary>A label value: empty, or up to 63 characters of the label name alphabet (validation.IsValidLabelValue).</summary>
    private static string? CheckValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && LabelName().IsMatch(value))
            ? null
            : $"label value '{value}' is not valid (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit).";

    [GeneratedRegex(@"^(?<key>[^\s!=(),]+)\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex SetForm();

    [GeneratedRegex(@"^(?<key>[^\s!=(),]+)\s*(?<op>==|!=|=)\s*(?<value>[^\s!=(),]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex EqualityForm();

    [GeneratedRegex(@"^(?<not>!)?\s*(?<key>[^\s!=(),]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ExistsForm();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();
}
