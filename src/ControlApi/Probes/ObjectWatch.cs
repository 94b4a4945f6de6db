using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ControlApi.Core.Clusters;
using k8s;
using k8s.Autorest;

namespace ControlApi.Probes;

/// <summary>One watch event reduced to what a wake-up signal needs: did something change, and the resourceVersion to resume from.</summary>
public readonly record struct WatchTick(bool Changed, string? ResourceVersion);

/// <summary>
/// How to list-then-watch one kind of object: the list only fetches the collection's
/// resourceVersion (<c>limit=1</c>), because the watcher is a wake-up signal and the tracker reads
/// fresh state itself.
/// </summary>
public sealed record WatchSource(
    string Description,
    Func<CancellationToken, Task<string?>> ListAsync,
    Func<string?, Action<Exception>, CancellationToken, IAsyncEnumerable<WatchTick>> WatchAsync)
{
    public static WatchSource CustomObject(ClusterConnection connection, ApiResource resource, ObjectRef reference)
    {
        var selector = $"metadata.name={reference.Name}";
        var timeout = (int)connection.Options.WatchTimeout.TotalSeconds;
        return new($"{resource.Kind} {reference}",
            async ct =>
            {
                var list = await KubernetesCalls.RunAsync(connection.Options, $"listing {resource.Kind} {reference}",
                    t => connection.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(resource.Group, resource.Version,
                        reference.Namespace, resource.Plural, fieldSelector: selector, limit: 1, cancellationToken: t), ct);
                return list.String("metadata", "resourceVersion");
            },
            (rv, onError, ct) => Ticks(connection.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(resource.Group, resource.Version,
                reference.Namespace, resource.Plural, allowWatchBookmarks: true, fieldSelector: selector, resourceVersion: rv,
                timeoutSeconds: timeout, onError: onError, cancellationToken: ct), VersionOf, ct));
    }

    public static WatchSource ClusterCustomObjects(ClusterConnection connection, ApiResource resource)
    {
        var timeout = (int)connection.Options.WatchTimeout.TotalSeconds;
        return new($"{resource.Kind}s",
            async ct =>
            {
                var list = await KubernetesCalls.RunAsync(connection.Options, $"listing {resource.Kind}s",
                    t => connection.Client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(resource.Group, resource.Version, resource.Plural, limit: 1, cancellationToken: t), ct);
                return list.String("metadata", "resourceVersion");
            },
            (rv, onError, ct) => Ticks(connection.Client.CustomObjects.WatchListClusterCustomObjectAsync(resource.Group, resource.Version, resource.Plural,
                allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct), VersionOf, ct));
    }

    public static WatchSource DaemonSet(ClusterConnection connection, ObjectRef reference)
    {
        var selector = $"metadata.name={reference.Name}";
        var timeout = (int)connection.Options.WatchTimeout.TotalSeconds;
        return new($"DaemonSet {reference}",
            async ct => (await KubernetesCalls.RunAsync(connection.Options, $"listing DaemonSet {reference}",
                t => connection.Client.AppsV1.ListNamespacedDaemonSetAsync(reference.Namespace, fieldSelector: selector, limit: 1, cancellationToken: t), ct)).Metadata?.ResourceVersion,
            (rv, onError, ct) => Ticks(connection.Client.AppsV1.WatchListNamespacedDaemonSetAsync(reference.Namespace, allowWatchBookmarks: true,
                fieldSelector: selector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct), d => d.Metadata?.ResourceVersion, ct));
    }

    public static WatchSource ConfigMap(ClusterConnection connection, ObjectRef reference)
    {
        var selector = $"metadata.name={reference.Name}";
        var timeout = (int)connection.Options.WatchTimeout.TotalSeconds;
        return new($"ConfigMap {reference}",
            async ct => (await KubernetesCalls.RunAsync(connection.Options, $"listing ConfigMap {reference}",
                t => connection.Client.CoreV1.ListNamespacedConfigMapAsync(reference.Namespace, fieldSelector: selector, limit: 1, cancellationToken: t), ct)).Metadata?.ResourceVersion,
            (rv, onError, ct) => Ticks(connection.Client.CoreV1.WatchListNamespacedConfigMapAsync(reference.Namespace, allowWatchBookmarks: true,
                fieldSelector: selector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct), c => c.Metadata?.ResourceVersion, ct));
    }

    private static string? VersionOf(object item) => item is JsonElement json ? json.String("metadata", "resourceVersion") : null;

    private static async IAsyncEnumerable<WatchTick> Ticks<T>(IAsyncEnumerable<(WatchEventType Type, T Object)> events, Func<T, string?> resourceVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (type, item) in events.WithCancellation(cancellationToken))
            yield return new WatchTick(type != WatchEventType.Bookmark, item is null ? null : resourceVersion(item));
    }
}

/// <summary>
/// Keeps one watch open for as long as its token lives: lists for a resourceVersion, watches from
/// it, resumes from the last version seen when the server ends the stream or the connection drops,
/// and lists again when the version expired (410 Gone). Every list and every change calls
/// <c>changed</c>; the caller re-reads state, so a re-list can never double-count anything.
/// </summary>
public sealed partial class ObjectWatch(WatchSource source, Action changed, ProbeOptions options, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? version = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var expired = false;
            var ticks = 0;
            var opened = time.GetTimestamp();
            try
            {
                if (version is null)
                {
                    version = await source.ListAsync(cancellationToken);
                    changed(); // Anything may have happened while nobody watched.
                }

                await foreach (var tick in source.WatchAsync(version, ex =>
                {
                    if (IsGone(ex)) expired = true;
                    else LogWatchError(logger, source.Description, ex.Message);
                }, cancellationToken))
                {
                    ticks++;
                    if (tick.ResourceVersion is { Length: > 0 } next) version = next;
                    if (tick.Changed) changed();
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsGone(ex))
            {
                expired = true;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                failures++;
                LogWatchDropped(logger, source.Description, failures, KubernetesCalls.Describe(ex) ?? ex.Message);
                await DelayAsync(failures, cancellationToken);
                continue;
            }

            if (expired)
            {
                LogExpired(logger, source.Description, version);
                version = null;
                failures = 0;
                continue;
            }

            // A stream the server ends at once, again and again, is a failure too: back off instead of spinning.
            if (ticks == 0 && time.GetElapsedTime(opened) < TimeSpan.FromSeconds(1))
            {
                failures++;
                await DelayAsync(failures, cancellationToken);
            }
            else
            {
                failures = 0;
            }
        }
    }

    private async Task DelayAsync(int failures, CancellationToken cancellationToken)
    {
        var delay = options.WatchReconnectDelay * Math.Pow(2, Math.Min(failures - 1, 10));
        try
        {
            await Task.Delay(delay > MaxBackoff ? MaxBackoff : delay, time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the loop condition ends the watch.
        }
    }

    /// <summary>410 Gone, as a watch ERROR event (a Status in the stream) or as the response itself.</summary>
    public static bool IsGone(Exception ex) => ex switch
    {
        KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Watch}: resourceVersion {Version} expired (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, string watch, string? version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch of {Watch} dropped (failure {Failures}): {Reason}; reconnecting")]
    private static partial void LogWatchDropped(ILogger logger, string watch, int failures, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch of {Watch} reported: {Error}")]
    private static partial void LogWatchError(ILogger logger, string watch, string error);
}
