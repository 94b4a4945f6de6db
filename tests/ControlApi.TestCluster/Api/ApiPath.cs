namespace ControlApi.TestCluster.Api;

/// <summary>What a request path addresses: a resource, optionally in a namespace, optionally one object and a subresource.</summary>
public sealed record ApiTarget(ApiResource Resource, string? Namespace, string? Name, string? Subresource);

/// <summary>
/// Parses the real URL shapes: <c>/api/v1/…</c> for the core group, <c>/apis/{group}/{version}/…</c>
/// otherwise; <c>namespaces/{ns}/{resource}[/{name}[/{subresource}]]</c> for namespaced resources,
/// <c>{resource}[/{name}[/{subresource}]]</c> for cluster-scoped ones, and <c>{resource}</c> alone
/// for a list across all namespaces.
/// </summary>
public static class ApiPath
{
    public static ApiTarget? Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group, version;
        string[] rest;
        if (segments is ["api", var coreVersion, ..])
        {
            (group, version, rest) = ("", coreVersion, segments[2..]);
        }
        else if (segments is ["apis", var g, var v, ..])
        {
            (group, version, rest) = (g, v, segments[3..]);
        }
        else
        {
            return null;
        }

        // namespaces/{ns} is the Namespace object itself; namespaces/{ns}/{resource}/... is a namespaced resource.
        if (group.Length == 0 && rest.Length is 1 or 2 or 3 && rest[0] == "namespaces" && (rest.Length == 1 || rest.Length == 2 || rest[2] is "status" or "finalize"))
            return new ApiTarget(KubernetesResources.Namespaces, null, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null);

        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            var resource = KubernetesResources.Find(group, version, rest[2]);
            if (resource is not { Namespaced: true } || rest.Length > 5) return null;
            return new ApiTarget(resource, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null);
        }

        if (rest.Length is >= 1 and <= 3)
        {
            var resource = KubernetesResources.Find(group, version, rest[0]);
            if (resource is null) return null;
            // A namespaced resource without a namespace can only be listed or watched across all namespaces.
            if (resource.Namespaced && rest.Length > 1) return null;
            return new ApiTarget(resource, null, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null);
        }

        return null;
    }
}
