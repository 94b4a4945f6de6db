using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Api;

/// <summary>How a write treats <c>status</c>, as the real server does for resources with a status subresource.</summary>
public enum WriteScope
{
    /// <summary>A write to the resource itself: status changes are ignored.</summary>
    Main,

    /// <summary>A write to <c>/status</c>: only status changes are kept.</summary>
    Status,

    /// <summary>In-process writes by the simulator acting as a controller: everything is kept.</summary>
    Everything,
}

/// <summary>
/// The in-memory etcd of the test API server. One global, monotonically increasing
/// resourceVersion; <c>metadata.generation</c> bumped only when something outside metadata and
/// status changes; writes that change nothing are no-ops (no new resourceVersion, no event), as on
/// the real server. Objects are immutable versions, so a list snapshot is a reference, which is
/// what makes <c>limit</c>/<c>continue</c> pages consistent.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly WatchHub _hub;
    private readonly Dictionary<ApiResource, ImmutableSortedDictionary<string, StoredObject>> _objects = [];
    private long _resourceVersion;

    public ObjectStore(TimeProvider time, int watchHistoryPerResource)
    {
        _time = time;
        _hub = new WatchHub(watchHistoryPerResource);
    }

    public long ResourceVersion
    {
        get { lock (_gate) return _resourceVersion; }
    }

    public int OpenWatches
    {
        get { lock (_gate) return _hub.OpenWatches; }
    }

    public StoredObject? Get(ApiResource resource, string? @namespace, string name)
    {
        lock (_gate) return Map(resource).GetValueOrDefault(StoredObject.KeyOf(Scoped(resource, @namespace), name));
    }

    /// <summary>A consistent view of every object of a resource at one resourceVersion.</summary>
    public ListSnapshot Snapshot(ApiResource resource)
    {
        lock (_gate) return new ListSnapshot(resource, _resourceVersion, Map(resource));
    }

    /// <param name="createdAt">In-process seeding of objects that predate the test (e.g. pods from before a CNI switch); the API always stamps now.</param>
    public StoredObject Create(ApiResource resource, JsonObject obj, DateTimeOffset? createdAt = null)
    {
        lock (_gate)
        {
            var metadata = obj["metadata"] as JsonObject ?? throw new ApiException(ApiStatus.BadRequest("object has no metadata"));
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name) && metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
                metadata["name"] = name = prefix + Random.Shared.GetHexString(5, lowercase: true);
            if (string.IsNullOrEmpty(name))
                throw new ApiException(ApiStatus.Invalid(resource, "", "metadata.name: Required value: name or generateName is required"));
            var @namespace = resource.Namespaced ? metadata["namespace"]?.GetValue<string>() : null;
            if (resource.Namespaced)
            {
                if (string.IsNullOrEmpty(@namespace)) throw new ApiException(ApiStatus.BadRequest("the namespace of the object is required"));
                if (!Map(KubernetesResources.Namespaces).ContainsKey(@namespace)) throw new ApiException(ApiStatus.NamespaceNotFound(@namespace));
            }
            else
            {
                metadata.Remove("namespace");
            }
            var key = StoredObject.KeyOf(@namespace, name);
            if (Map(resource).ContainsKey(key)) throw new ApiException(ApiStatus.AlreadyExists(resource, name));

            obj["apiVersion"] = resource.ApiVersion;
            obj["kind"] = resource.Kind;
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = KubeTime.Format(createdAt ?? _time.GetUtcNow());
            if (resource.TracksGeneration) metadata["generation"] = 1;
            else metadata.Remove("generation");
            metadata.Remove("deletionTimestamp");
            return Commit(resource, ChangeType.Added, previous: null, obj);
        }
    }

    /// <summary>PUT: replaces the object; a resourceVersion in the body must be the current one (409 otherwise).</summary>
    public StoredObject Replace(ApiResource resource, JsonObject incoming, WriteScope scope)
    {
        lock (_gate)
        {
            var metadata = incoming["metadata"] as JsonObject ?? throw new ApiException(ApiStatus.BadRequest("object has no metadata"));
            var name = metadata["name"]?.GetValue<string>() ?? throw new ApiException(ApiStatus.BadRequest("metadata.name is required"));
            var current = Require(resource, resource.Namespaced ? metadata["namespace"]?.GetValue<string>() : null, name);
            CheckPrecondition(resource, current, metadata["resourceVersion"]);
            return Write(resource, current, incoming, scope);
        }
    }

    /// <summary>PATCH: applies the patch to the current object; a resourceVersion inside the patch is a precondition (409 when stale).</summary>
    public StoredObject Patch(ApiResource resource, string? @namespace, string name, string? contentType, string body, WriteScope scope)
    {
        lock (_gate)
        {
            var current = Require(resource, @namespace, name);
            var patched = JsonPatches.Apply(current.ToJsonObject(), contentType, body);
            var patchedVersion = patched["metadata"]?["resourceVersion"];
            if (patchedVersion is not null && patchedVersion.GetValue<string>() != current.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new ApiException(ApiStatus.Conflict(resource, name));
            return Write(resource, current, patched, scope);
        }
    }

    /// <summary>
    /// Read-modify-write for in-process controllers (the simulator): <paramref name="change"/> edits a
    /// copy; returns null when the object does not exist.
    /// </summary>
    public StoredObject? Mutate(ApiResource resource, string? @namespace, string name, Action<JsonObject> change)
    {
        lock (_gate)
        {
            var current = Map(resource).GetValueOrDefault(StoredObject.KeyOf(Scoped(resource, @namespace), name));
            if (current is null) return null;
            var copy = current.ToJsonObject();
            change(copy);
            return Write(resource, current, copy, WriteScope.Everything);
        }
    }

    /// <summary>Creates the object, or replaces everything but its identity when it exists (how a controller applies what it owns).</summary>
    public StoredObject Upsert(ApiResource resource, JsonObject obj)
    {
        lock (_gate)
        {
            var metadata = obj["metadata"]!.AsObject();
            var current = Map(resource).GetValueOrDefault(StoredObject.KeyOf(resource.Namespaced ? metadata["namespace"]?.GetValue<string>() : null, metadata["name"]!.GetValue<string>()));
            return current is null ? Create(resource, obj) : Write(resource, current, obj, WriteScope.Everything);
        }
    }

    /// <summary>Raised after every delete (controllers that recreate what was deleted listen, as a DaemonSet controller watches its pods).</summary>
    public event Action<ApiResource, StoredObject>? Deleted;

    public StoredObject Delete(ApiResource resource, string? @namespace, string name)
    {
        StoredObject deleted;
        lock (_gate)
        {
            var current = Require(resource, @namespace, name);
            var final = current.ToJsonObject();
            deleted = Commit(resource, ChangeType.Deleted, current, final);
        }
        Deleted?.Invoke(resource, deleted);
        return deleted;
    }

    public StoredObject? TryDelete(ApiResource resource, string? @namespace, string name)
    {
        lock (_gate)
        {
            return Map(resource).ContainsKey(StoredObject.KeyOf(Scoped(resource, @namespace), name))
                ? Delete(resource, @namespace, name)
                : null;
        }
    }

    internal WatchSubscription? Watch(ApiResource resource, WatchFilter filter, bool bookmarks, long? fromResourceVersion, out long oldestAvailable)
    {
        lock (_gate)
        {
            oldestAvailable = _hub.OldestAvailable(resource);
            return fromResourceVersion is { } from
                ? _hub.SubscribeFrom(resource, filter, bookmarks, Math.Min(from, _resourceVersion))
                : _hub.SubscribeWithInitialState(resource, filter, bookmarks, Map(resource).Values);
        }
    }

    internal void StopWatching(WatchSubscription subscription)
    {
        lock (_gate) _hub.Unsubscribe(subscription);
    }

    /// <summary>Queues a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks.</summary>
    internal void Bookmark()
    {
        lock (_gate) _hub.Bookmark(_resourceVersion);
    }

    /// <summary>Drops all watch history up to now and closes open watches (see <see cref="TestKubernetesApiServer.ExpireWatchHistory"/>).</summary>
    internal long CompactHistory()
    {
        lock (_gate)
        {
            _hub.Compact(_resourceVersion);
            return _resourceVersion;
        }
    }

    internal void CloseAllWatches()
    {
        lock (_gate) _hub.CloseAll();
    }

    private StoredObject Write(ApiResource resource, StoredObject current, JsonObject incoming, WriteScope scope)
    {
        var before = current.ToJsonObject();
        var next = scope switch
        {
            WriteScope.Status when resource.HasStatusSubresource => WithStatusOf(before, incoming),
            WriteScope.Main when resource.HasStatusSubresource => WithStatusOf(incoming, before),
            _ => incoming,
        };

        // Identity and server-managed metadata always come from the stored object.
        var metadata = next["metadata"] as JsonObject ?? new JsonObject();
        next["metadata"] = metadata;
        var storedMetadata = before["metadata"]!.AsObject();
        next["apiVersion"] = resource.ApiVersion;
        next["kind"] = resource.Kind;
        metadata["name"] = current.Name;
        if (current.Namespace is not null) metadata["namespace"] = current.Namespace;
        else metadata.Remove("namespace");
        metadata["uid"] = storedMetadata["uid"]?.DeepClone();
        metadata["creationTimestamp"] = storedMetadata["creationTimestamp"]?.DeepClone();
        if (scope == WriteScope.Status) next["metadata"] = metadata = (JsonObject)storedMetadata.DeepClone();
        if (scope != WriteScope.Everything)
        {
            if (storedMetadata["deletionTimestamp"] is { } deletion) metadata["deletionTimestamp"] = deletion.DeepClone();
            else metadata.Remove("deletionTimestamp");
        }

        if (resource.TracksGeneration)
        {
            var generation = storedMetadata["generation"]?.GetValue<long>() ?? 1;
            metadata["generation"] = SpecChanged(before, next) ? generation + 1 : generation;
        }
        else
        {
            metadata.Remove("generation");
        }

        metadata["resourceVersion"] = storedMetadata["resourceVersion"]?.DeepClone();
        if (JsonNode.DeepEquals(before, next)) return current;
        return Commit(resource, ChangeType.Modified, current, next);
    }

    private StoredObject Commit(ApiResource resource, ChangeType type, StoredObject? previous, JsonObject obj)
    {
        var resourceVersion = ++_resourceVersion;
        obj["metadata"]!["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stored = StoredObject.From(resource, obj, resourceVersion);
        _objects[resource] = type == ChangeType.Deleted
            ? Map(resource).Remove(stored.Key)
            : Map(resource).SetItem(stored.Key, stored);
        _hub.Publish(new StoreChange(type, resourceVersion, previous, stored));
        return stored;
    }

    private static JsonObject WithStatusOf(JsonObject target, JsonObject source)
    {
        var result = (JsonObject)target.DeepClone();
        if (source["status"] is { } status) result["status"] = status.DeepClone();
        else result.Remove("status");
        return result;
    }

    /// <summary>Generation tracks intent: anything but metadata and status.</summary>
    private static bool SpecChanged(JsonObject before, JsonObject after)
    {
        static IEnumerable<KeyValuePair<string, JsonNode?>> Intent(JsonObject o) =>
            o.Where(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind")).OrderBy(p => p.Key, StringComparer.Ordinal);
        var a = Intent(before).ToArray();
        var b = Intent(after).ToArray();
        return a.Length != b.Length || a.Zip(b).Any(pair => pair.First.Key != pair.Second.Key || !JsonNode.DeepEquals(pair.First.Value, pair.Second.Value));
    }

    private static void CheckPrecondition(ApiResource resource, StoredObject current, JsonNode? resourceVersion)
    {
        var expected = resourceVersion?.GetValue<string>();
        if (!string.IsNullOrEmpty(expected) && expected != current.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new ApiException(ApiStatus.Conflict(resource, current.Name));
    }

    private StoredObject Require(ApiResource resource, string? @namespace, string name) =>
        Map(resource).GetValueOrDefault(StoredObject.KeyOf(Scoped(resource, @namespace), name))
        ?? throw new ApiException(ApiStatus.NotFound(resource, name));

    private static string? Scoped(ApiResource resource, string? @namespace) => resource.Namespaced ? @namespace : null;

    private ImmutableSortedDictionary<string, StoredObject> Map(ApiResource resource) =>
        _objects.TryGetValue(resource, out var map) ? map : ImmutableSortedDictionary.Create<string, StoredObject>(StringComparer.Ordinal);
}

/// <summary>Every object of one resource at one resourceVersion.</summary>
public sealed record ListSnapshot(ApiResource Resource, long ResourceVersion, ImmutableSortedDictionary<string, StoredObject> Objects);
