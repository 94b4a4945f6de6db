using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// A <c>meta/v1 Status</c>, the body of every error the real API server returns (and of a watch
/// <c>ERROR</c> event). Reasons and codes are the ones apimachinery's <c>errors</c> package uses.
/// </summary>
public sealed record ApiStatus(int Code, string Reason, string Message, ApiResource? Resource = null, string? Name = null)
{
    public JsonObject ToJson()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Resource is not null || Name is not null)
        {
            var details = new JsonObject();
            if (Name is not null) details["name"] = Name;
            if (Resource is { Group.Length: > 0 }) details["group"] = Resource.Group;
            if (Resource is not null) details["kind"] = Resource.Plural;
            status["details"] = details;
        }
        status["code"] = Code;
        return status;
    }

    public static ApiStatus NotFound(ApiResource resource, string name) =>
        new(404, "NotFound", $"{resource.QualifiedName} \"{name}\" not found", resource, name);

    public static ApiStatus NamespaceNotFound(string name) =>
        new(404, "NotFound", $"namespaces \"{name}\" not found", KubernetesResources.Namespaces, name);

    /// <summary>What the server says for a path no installed resource serves (e.g. a CRD that is not there).</summary>
    public static ApiStatus NoSuchPath() =>
        new(404, "NotFound", "the server could not find the requested resource");

    public static ApiStatus AlreadyExists(ApiResource resource, string name) =>
        new(409, "AlreadyExists", $"{resource.QualifiedName} \"{name}\" already exists", resource, name);

    public static ApiStatus Conflict(ApiResource resource, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {resource.QualifiedName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            resource, name);

    public static ApiStatus BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatus Invalid(ApiResource resource, string name, string message) =>
        new(422, "Invalid", $"{resource.Kind} \"{name}\" is invalid: {message}", resource, name);

    public static ApiStatus MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");

    public static ApiStatus UnsupportedMediaType(string? contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {contentType ?? "none"})");

    public static ApiStatus Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiStatus ServiceUnavailable() =>
        new(503, "ServiceUnavailable", "the server is currently unable to handle the request");

    /// <summary>A watch from a resourceVersion the history no longer holds (watch cache / etcd compaction).</summary>
    public static ApiStatus WatchExpired(long requested, long oldestAvailable) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldestAvailable})");

    /// <summary>A <c>continue</c> token whose list snapshot is gone.</summary>
    public static ApiStatus ContinueExpired() =>
        new(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
}

/// <summary>Carries an <see cref="ApiStatus"/> from where a request fails to where the response is written.</summary>
public sealed class ApiException(ApiStatus status) : Exception(status.Message)
{
    public ApiStatus Status { get; } = status;
}
