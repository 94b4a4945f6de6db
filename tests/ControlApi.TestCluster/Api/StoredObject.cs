using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// One version of one object as the store holds it: immutable UTF-8 JSON plus what selectors need
/// (labels, indexed fields), so lists and watches serve bytes without re-serializing.
/// </summary>
public sealed record StoredObject(
    ApiResource Resource,
    string? Namespace,
    string Name,
    long ResourceVersion,
    byte[] Json,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The etcd-like key objects are ordered by in lists and continue tokens.</summary>
    public string Key => KeyOf(Namespace, Name);

    /// <summary>A fresh mutable copy; changing it never changes the store.</summary>
    public JsonObject ToJsonObject() => JsonNode.Parse(Json)!.AsObject();

    public static string KeyOf(string? @namespace, string name) => @namespace is null ? name : $"{@namespace}/{name}";

    internal static StoredObject From(ApiResource resource, JsonObject obj, long resourceVersion)
    {
        var metadata = obj["metadata"]!.AsObject();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata["labels"] is JsonObject labelObject)
        {
            foreach (var (key, value) in labelObject)
                labels[key] = value?.GetValue<string>() ?? "";
        }
        return new StoredObject(
            resource,
            resource.Namespaced ? metadata["namespace"]!.GetValue<string>() : null,
            metadata["name"]!.GetValue<string>(),
            resourceVersion,
            JsonSerializer.SerializeToUtf8Bytes(obj),
            labels,
            FieldSelector.ExtractFields(resource, obj));
    }
}

/// <summary>Kubernetes' timestamp format (RFC 3339, seconds, UTC).</summary>
public static class KubeTime
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The <c>MicroTime</c>/RFC3339Nano form some fields and annotations use.</summary>
    public static string FormatNano(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
