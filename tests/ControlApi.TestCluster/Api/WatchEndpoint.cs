using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ControlApi.TestCluster.Api;

/// <summary>How a watch from a resourceVersion older than the kept history is refused.</summary>
public enum ExpiredWatchAnswer
{
    /// <summary>
    /// 200, then one <c>ERROR</c> event whose object is a Status with code 410, reason
    /// <c>Expired</c>, then the stream ends: what kube-apiserver's watch cache does. KubernetesClient
    /// hands the Status to the watch's <c>onError</c> as a <c>KubernetesException</c> and then calls
    /// <c>onClosed</c>.
    /// </summary>
    ErrorEvent,

    /// <summary>An HTTP 410 response with the Status as body (older servers, no watch cache): the client's call throws <c>HttpOperationException</c>.</summary>
    HttpGone,
}

/// <summary>
/// <c>?watch=true</c>: newline-delimited JSON <c>{"type":…,"object":…}</c> over a chunked response,
/// from <c>resourceVersion</c> (or the current state as ADDED events when it is unset or 0),
/// BOOKMARK events when asked, ending after <c>timeoutSeconds</c>.
/// </summary>
internal sealed class WatchEndpoint(ObjectStore store, Func<ExpiredWatchAnswer> expiredAnswer, TimeSpan defaultTimeout)
{
    public async Task HandleAsync(HttpContext context, ApiResource resource, WatchFilter filter, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        long? from = null;
        if (query["resourceVersion"].FirstOrDefault() is { Length: > 0 } text && text != "0")
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                throw new ApiException(ApiStatus.BadRequest($"invalid resource version: {text}"));
            from = parsed;
        }
        var bookmarks = query["allowWatchBookmarks"].FirstOrDefault() is "true" or "1" or "True";
        var timeout = defaultTimeout;
        if (query["timeoutSeconds"].FirstOrDefault() is { Length: > 0 } seconds && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            timeout = TimeSpan.FromSeconds(s);

        var subscription = store.Watch(resource, filter, bookmarks, from, out var oldest);
        if (subscription is null)
        {
            var expired = ApiStatus.WatchExpired(from!.Value, oldest);
            if (expiredAnswer() == ExpiredWatchAnswer.HttpGone) throw new ApiException(expired);
            await StartStreamAsync(context);
            await context.Response.BodyWriter.WriteAsync(Line("ERROR", JsonSerializer.SerializeToUtf8Bytes(expired.ToJson())), cancellationToken);
            return;
        }

        try
        {
            await StartStreamAsync(context);
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            var reader = subscription.Reader;
            var writer = context.Response.BodyWriter;
            while (await WaitAsync(reader, timeoutSource.Token))
            {
                while (reader.TryRead(out var item))
                    writer.Write(Line(TypeName(item.Type), Payload(resource, item)));
                await writer.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            store.StopWatching(subscription);
        }
    }

    /// <summary>False when the watch should end cleanly: its timeout passed or the server closed it.</summary>
    private static async Task<bool> WaitAsync(System.Threading.Channels.ChannelReader<WatchItem> reader, CancellationToken timeout)
    {
        try
        {
            return await reader.WaitToReadAsync(timeout);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task StartStreamAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ApiResponses.JsonContentType;
        // Headers go out now: the client's watch call completes on headers, before any event.
        await context.Response.StartAsync();
        await context.Response.BodyWriter.FlushAsync();
    }

    private static byte[] Payload(ApiResource resource, WatchItem item) => item.Type switch
    {
        ChangeType.Bookmark => Encoding.UTF8.GetBytes(
            $"{{\"kind\":{JsonSerializer.Serialize(resource.Kind)},\"apiVersion\":{JsonSerializer.Serialize(resource.ApiVersion)},\"metadata\":{{\"resourceVersion\":\"{item.ResourceVersion.ToString(CultureInfo.InvariantCulture)}\"}}}}"),
        ChangeType.Error => JsonSerializer.SerializeToUtf8Bytes(item.Error!.ToJson()),
        _ => item.Object!.Json,
    };

    private static string TypeName(ChangeType type) => type switch
    {
        ChangeType.Added => "ADDED",
        ChangeType.Modified => "MODIFIED",
        ChangeType.Deleted => "DELETED",
        ChangeType.Bookmark => "BOOKMARK",
        _ => "ERROR",
    };

    private static byte[] Line(string type, byte[] obj)
    {
        var prefix = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
        var line = new byte[prefix.Length + obj.Length + 2];
        prefix.CopyTo(line, 0);
        obj.CopyTo(line, prefix.Length);
        line[^2] = (byte)'}';
        line[^1] = (byte)'\n';
        return line;
    }
}
