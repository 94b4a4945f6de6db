using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// GET (one or a list), POST, PUT, PATCH and DELETE on a resource path, with the real server's
/// answers: the object, a <c>…List</c> with <c>metadata.resourceVersion</c>/<c>continue</c>/
/// <c>remainingItemCount</c>, or a <c>Status</c> error. Watches and exec are handed on.
/// </summary>
internal sealed class RestEndpoint(ObjectStore store, ContinueTokens continueTokens, WatchEndpoint watches, ExecEndpoint exec, RequestCounter requests)
{
    public async Task HandleAsync(HttpContext context, ApiTarget target, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        var resource = target.Resource;
        var subresource = target.Subresource;
        if (subresource is not (null or "status" or "exec"))
            throw new ApiException(ApiStatus.NoSuchPath());
        if (subresource == "exec" && resource != KubernetesResources.Pods)
            throw new ApiException(ApiStatus.NoSuchPath());
        var resourceName = resource.QualifiedName + (subresource is null ? "" : "/" + subresource);

        if (subresource == "exec" && (HttpMethods.IsGet(method) || HttpMethods.IsPost(method)))
        {
            requests.Record(new RequestKind("create", resourceName));
            await exec.HandleAsync(context, target, cancellationToken);
            return;
        }

        if (target.Name is null)
        {
            if (HttpMethods.IsGet(method))
            {
                var watch = context.Request.Query["watch"].FirstOrDefault() is "true" or "1" or "True";
                requests.Record(new RequestKind(watch ? "watch" : "list", resourceName));
                var filter = new WatchFilter(
                    target.Namespace,
                    LabelSelector.Parse(context.Request.Query["labelSelector"].FirstOrDefault()),
                    FieldSelector.Parse(context.Request.Query["fieldSelector"].FirstOrDefault(), resource));
                if (watch) await watches.HandleAsync(context, resource, filter, cancellationToken);
                else await ListAsync(context, resource, filter, cancellationToken);
                return;
            }
            if (HttpMethods.IsPost(method) && subresource is null && (!resource.Namespaced || target.Namespace is not null))
            {
                requests.Record(new RequestKind("create", resourceName));
                var body = await ReadObjectAsync(context, cancellationToken);
                var metadata = body["metadata"] as JsonObject ?? new JsonObject();
                body["metadata"] = metadata;
                if (target.Namespace is not null)
                {
                    if (metadata["namespace"]?.GetValue<string>() is { Length: > 0 } given && given != target.Namespace)
                        throw new ApiException(ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
                    metadata["namespace"] = target.Namespace;
                }
                await ApiResponses.WriteObjectAsync(context, store.Create(resource, body), StatusCodes.Status201Created, cancellationToken);
                return;
            }
            throw new ApiException(ApiStatus.MethodNotAllowed(method));
        }

        var scope = subresource == "status" ? WriteScope.Status : WriteScope.Main;
        if (HttpMethods.IsGet(method))
        {
            requests.Record(new RequestKind("get", resourceName));
            var obj = store.Get(resource, target.Namespace, target.Name) ?? throw new ApiException(ApiStatus.NotFound(resource, target.Name));
            await ApiResponses.WriteObjectAsync(context, obj, StatusCodes.Status200OK, cancellationToken);
        }
        else if (HttpMethods.IsPut(method))
        {
            requests.Record(new RequestKind("update", resourceName));
            var body = await ReadObjectAsync(context, cancellationToken);
            var metadata = body["metadata"] as JsonObject ?? throw new ApiException(ApiStatus.BadRequest("object has no metadata"));
            if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != target.Name)
                throw new ApiException(ApiStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({target.Name})"));
            metadata["name"] = target.Name;
            if (target.Namespace is not null) metadata["namespace"] = target.Namespace;
            await ApiResponses.WriteObjectAsync(context, store.Replace(resource, body, scope), StatusCodes.Status200OK, cancellationToken);
        }
        else if (HttpMethods.IsPatch(method))
        {
            requests.Record(new RequestKind("patch", resourceName));
            var body = await ReadTextAsync(context, cancellationToken);
            var patched = store.Patch(resource, target.Namespace, target.Name, context.Request.ContentType, body, scope);
            await ApiResponses.WriteObjectAsync(context, patched, StatusCodes.Status200OK, cancellationToken);
        }
        else if (HttpMethods.IsDelete(method) && subresource is null)
        {
            requests.Record(new RequestKind("delete", resourceName));
            await ApiResponses.WriteObjectAsync(context, store.Delete(resource, target.Namespace, target.Name), StatusCodes.Status200OK, cancellationToken);
        }
        else
        {
            throw new ApiException(ApiStatus.MethodNotAllowed(method));
        }
    }

    private async Task ListAsync(HttpContext context, ApiResource resource, WatchFilter filter, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var limit = 0;
        if (query["limit"].FirstOrDefault() is { Length: > 0 } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
            throw new ApiException(ApiStatus.BadRequest($"invalid limit: {limitText}"));

        ListSnapshot snapshot;
        string? afterKey = null;
        if (query["continue"].FirstOrDefault() is { Length: > 0 } token)
            (snapshot, afterKey) = continueTokens.Resolve(resource, token);
        else
            snapshot = store.Snapshot(resource);

        var items = new List<StoredObject>();
        var more = false;
        var remaining = 0L;
        var countRemaining = filter.Labels.IsEverything && filter.Fields.IsEverything;
        foreach (var (key, obj) in snapshot.Objects)
        {
            if (afterKey is not null && string.CompareOrdinal(key, afterKey) <= 0) continue;
            if (!filter.Matches(obj)) continue;
            if (limit > 0 && items.Count == limit)
            {
                more = true;
                // Like the real server: the remaining count is only known when no selector filters it.
                if (!countRemaining) break;
                remaining++;
                continue;
            }
            items.Add(obj);
        }

        var metadata = new JsonObject { ["resourceVersion"] = snapshot.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (more)
        {
            metadata["continue"] = continueTokens.Issue(snapshot, items[^1].Key);
            if (countRemaining) metadata["remainingItemCount"] = remaining;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ApiResponses.JsonContentType;
        // Buffered writes with a flush per ~64 KiB: a 5,000-node list is megabytes, not thousands of tiny writes.
        var writer = context.Response.BodyWriter;
        writer.Write(Encoding.UTF8.GetBytes(
            $"{{\"kind\":{JsonSerializer.Serialize(resource.ListKind)},\"apiVersion\":{JsonSerializer.Serialize(resource.ApiVersion)},\"metadata\":{metadata.ToJsonString()},\"items\":["));
        var unflushed = 0L;
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) writer.Write(","u8);
            writer.Write(items[i].Json);
            unflushed += items[i].Json.Length;
            if (unflushed > 64 * 1024)
            {
                await writer.FlushAsync(cancellationToken);
                unflushed = 0;
            }
        }
        writer.Write("]}"u8);
        await writer.FlushAsync(cancellationToken);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(context, cancellationToken);
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new ApiException(ApiStatus.BadRequest("the request body must be a JSON object"));
        }
        catch (JsonException e)
        {
            throw new ApiException(ApiStatus.BadRequest($"the body of the request could not be decoded: {e.Message}"));
        }
    }

    private static async Task<string> ReadTextAsync(HttpContext context, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
