using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ControlApi.Core.Clusters;
using k8s;
using k8s.Autorest;

namespace ControlApi.Probes;

/// <summary>
/// Runs one API call with the request timeout and turns transport failures into
/// <see cref="ClusterUnreachableException"/> with a reason a person can act on. A 404 is an answer
/// ("absent"), not a failure.
/// </summary>
internal static class KubernetesCalls
{
    public static async Task<T> RunAsync<T>(ProbeOptions options, string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            return await call(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnreachableException($"{what}: no answer within {options.RequestTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (Describe(ex) is { } reason)
        {
            throw new ClusterUnreachableException($"{what}: {reason}", ex);
        }
    }

    /// <summary>Like <see cref="RunAsync{T}"/>, with 404 Not Found answered as null.</summary>
    public static Task<T?> GetOrNullAsync<T>(ProbeOptions options, string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) where T : class =>
        RunAsync<T?>(options, what, async ct =>
        {
            try
            {
                return await call(ct);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>A namespaced custom object as JSON, or null when it does not exist.</summary>
    public static Task<JsonElement?> GetCustomObjectOrNullAsync(ClusterConnection connection, ApiResource resource, ObjectRef reference, CancellationToken cancellationToken) =>
        RunAsync<JsonElement?>(connection.Options, $"reading {resource.Kind} {reference}", async ct =>
        {
            try
            {
                return await connection.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(
                    resource.Group, resource.Version, reference.Namespace, resource.Plural, reference.Name, ct);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>
    /// Lists a cluster-scoped custom resource page by page (<c>limit</c>/<c>continue</c>), handing each
    /// item to <paramref name="onItem"/> while its page is alive, so memory stays at one page.
    /// </summary>
    /// <returns>False when the resource does not exist (404: its CRD is not installed).</returns>
    public static async Task<bool> ForEachClusterCustomObjectAsync(
        ClusterConnection connection, ApiResource resource, Action<JsonElement> onItem, CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await RunAsync<JsonElement?>(connection.Options, $"listing {resource.Kind}s", async ct =>
            {
                try
                {
                    return await connection.Client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(
                        resource.Group, resource.Version, resource.Plural, continueParameter: token, limit: connection.Options.PageSize, cancellationToken: ct);
                }
                catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }
            }, cancellationToken);
            if (page is not { } list) return false;
            foreach (var item in list.Items("items")) onItem(item);
            token = list.String("metadata", "continue");
        }
        while (!string.IsNullOrEmpty(token));
        return true;
    }

    /// <summary>Why a call failed, when it is a failure of reaching or being allowed into the cluster; null otherwise.</summary>
    public static string? Describe(Exception ex) => ex switch
    {
        ClusterUnreachableException => null,
        HttpOperationException { Response: { } response } => response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "401 Unauthorized: the credentials were refused",
            HttpStatusCode.Forbidden => $"403 Forbidden: the account lacks RBAC for this ({Short(response.Content)})",
            _ => $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Short(response.Content)}",
        },
        HttpRequestException http => Innermost<SocketException>(http) is { } socket
            ? $"cannot connect ({socket.SocketErrorCode})"
            : Innermost<IOException>(http) is { } io ? $"connection lost ({io.Message})" : $"request failed ({http.Message})",
        IOException io => $"connection lost ({io.Message})",
        SocketException socket => $"cannot connect ({socket.SocketErrorCode})",
        _ => null,
    };

    private static T? Innermost<T>(Exception ex) where T : Exception
    {
        T? found = null;
        for (var current = ex.InnerException; current is not null; current = current.InnerException)
            if (current is T match) found = match;
        return found;
    }

    public static bool IsStatus(Exception ex, HttpStatusCode code) => ex is HttpOperationException { Response.StatusCode: var status } && status == code;

    private static string Short(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "…";
}
