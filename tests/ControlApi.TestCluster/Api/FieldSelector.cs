using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// A parsed <c>fieldSelector</c>: comma-separated <c>field=value</c>, <c>field==value</c> or
/// <c>field!=value</c>. Only the fields the real server indexes for the resource are accepted
/// (every resource: <c>metadata.name</c>, <c>metadata.namespace</c>; pods also <c>spec.nodeName</c>,
/// <c>status.phase</c> …); anything else is a 400, as there.
/// </summary>
public sealed class FieldSelector
{
    private static readonly string[] CommonFields = ["metadata.name", "metadata.namespace"];
    private static readonly string[] PodFields = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"];
    private static readonly string[] NodeFields = ["spec.unschedulable"];

    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEverything => _terms.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> fields) =>
        _terms.All(term => (fields.TryGetValue(term.Field, out var value) ? value : "") == term.Value == term.Equal);

    public static FieldSelector Parse(string? text, ApiResource resource)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var supported = SupportedFields(resource);
        var terms = new List<(string, bool, string)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (field, equal, value) = part.Contains("!=", StringComparison.Ordinal)
                ? Split(part, "!=", equal: false)
                : part.Contains("==", StringComparison.Ordinal) ? Split(part, "==", equal: true) : Split(part, "=", equal: true);
            if (!supported.Contains(field))
                throw new ApiException(ApiStatus.BadRequest($"field label not supported: {field}"));
            terms.Add((field, equal, value));
        }
        return new FieldSelector(terms);
    }

    /// <summary>The indexed field values of an object, computed once when it is written.</summary>
    public static IReadOnlyDictionary<string, string> ExtractFields(ApiResource resource, JsonObject obj)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var metadata = obj["metadata"] as JsonObject;
        fields["metadata.name"] = metadata?["name"]?.GetValue<string>() ?? "";
        fields["metadata.namespace"] = metadata?["namespace"]?.GetValue<string>() ?? "";
        foreach (var path in SupportedFields(resource).Except(CommonFields))
        {
            if (Lookup(obj, path) is { } value) fields[path] = value;
        }
        return fields;
    }

    private static HashSet<string> SupportedFields(ApiResource resource)
    {
        var fields = new HashSet<string>(CommonFields, StringComparer.Ordinal);
        if (resource == KubernetesResources.Pods) fields.UnionWith(PodFields);
        if (resource == KubernetesResources.Nodes) fields.UnionWith(NodeFields);
        return fields;
    }

    private static string? Lookup(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split('.'))
            node = node is JsonObject o ? o[segment] : null;
        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            _ => node.ToJsonString(),
        };
    }

    private static (string, bool, string) Split(string part, string op, bool equal)
    {
        var index = part.IndexOf(op, StringComparison.Ordinal);
        return (part[..index].Trim(), equal, part[(index + op.Length)..].Trim());
    }
}
