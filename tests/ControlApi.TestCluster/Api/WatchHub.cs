using System.Threading.Channels;

namespace ControlApi.TestCluster.Api;

public enum ChangeType { Added, Modified, Deleted, Bookmark, Error }

/// <summary>A change as the store records it: the object before and after (after carries the new resourceVersion, also for a delete).</summary>
public sealed record StoreChange(ChangeType Type, long ResourceVersion, StoredObject? Previous, StoredObject Current);

/// <summary>What a watch stream sends next: an event with an object, a bookmark, or an error that ends the stream.</summary>
public sealed record WatchItem(ChangeType Type, StoredObject? Object, long ResourceVersion, ApiStatus? Error = null);

/// <summary>Which objects one watch sees: namespace plus label and field selectors.</summary>
public sealed record WatchFilter(string? Namespace, LabelSelector Labels, FieldSelector Fields)
{
    public static WatchFilter Everything { get; } = new(null, LabelSelector.Everything, FieldSelector.Everything);

    public bool Matches(StoredObject? obj) =>
        obj is not null
        && (Namespace is null || obj.Namespace == Namespace)
        && Labels.Matches(obj.Labels)
        && Fields.Matches(obj.Fields);

    /// <summary>
    /// The event this watch sees for a change, as the real server's filtered watch does: an object
    /// that starts matching is ADDED, one that stops matching is DELETED.
    /// </summary>
    public WatchItem? Translate(StoreChange change)
    {
        var before = change.Type != ChangeType.Added && Matches(change.Previous);
        var after = Matches(change.Current);
        var type = change.Type switch
        {
            ChangeType.Added => after ? ChangeType.Added : (ChangeType?)null,
            ChangeType.Deleted => before || after ? ChangeType.Deleted : null,
            _ => (before, after) switch
            {
                (true, true) => ChangeType.Modified,
                (false, true) => ChangeType.Added,
                (true, false) => ChangeType.Deleted,
                _ => null,
            },
        };
        return type is { } t ? new WatchItem(t, change.Current, change.ResourceVersion) : null;
    }
}

/// <summary>One open watch: its filter and the queue its HTTP stream drains.</summary>
public sealed class WatchSubscription
{
    private readonly Channel<WatchItem> _queue = Channel.CreateUnbounded<WatchItem>(new UnboundedChannelOptions { SingleReader = true });

    internal WatchSubscription(ApiResource resource, WatchFilter filter, bool bookmarks)
    {
        Resource = resource;
        Filter = filter;
        Bookmarks = bookmarks;
    }

    public ApiResource Resource { get; }
    public WatchFilter Filter { get; }
    public bool Bookmarks { get; }

    public ChannelReader<WatchItem> Reader => _queue.Reader;

    internal void Enqueue(WatchItem item) => _queue.Writer.TryWrite(item);

    /// <summary>Ends the stream after what is queued (the server closing the watch).</summary>
    internal void Close() => _queue.Writer.TryComplete();
}

/// <summary>
/// Per-resource bounded event history and the open watches. Every method is called under the
/// store's lock, so an event is queued to every watch in resourceVersion order and a new watch
/// replays history and joins the live stream without a gap or a duplicate.
/// </summary>
internal sealed class WatchHub(int historyPerResource)
{
    private readonly Dictionary<ApiResource, History> _histories = [];

    public void Publish(StoreChange change)
    {
        var history = HistoryOf(change.Current.Resource);
        history.Events.Enqueue(change);
        while (history.Events.Count > historyPerResource)
            history.CompactedThrough = history.Events.Dequeue().ResourceVersion;
        foreach (var subscription in history.Subscribers)
        {
            if (subscription.Filter.Translate(change) is { } item) subscription.Enqueue(item);
        }
    }

    /// <summary>Opens a watch that first gets every current object as ADDED (resourceVersion unset or 0).</summary>
    public WatchSubscription SubscribeWithInitialState(ApiResource resource, WatchFilter filter, bool bookmarks, IEnumerable<StoredObject> current)
    {
        var subscription = new WatchSubscription(resource, filter, bookmarks);
        foreach (var obj in current.Where(filter.Matches))
            subscription.Enqueue(new WatchItem(ChangeType.Added, obj, obj.ResourceVersion));
        HistoryOf(resource).Subscribers.Add(subscription);
        return subscription;
    }

    /// <summary>Opens a watch that replays every change after <paramref name="resourceVersion"/>, or null when the history no longer reaches back that far.</summary>
    public WatchSubscription? SubscribeFrom(ApiResource resource, WatchFilter filter, bool bookmarks, long resourceVersion)
    {
        var history = HistoryOf(resource);
        if (resourceVersion < history.CompactedThrough) return null;
        var subscription = new WatchSubscription(resource, filter, bookmarks);
        foreach (var change in history.Events.Where(e => e.ResourceVersion > resourceVersion))
        {
            if (filter.Translate(change) is { } item) subscription.Enqueue(item);
        }
        history.Subscribers.Add(subscription);
        return subscription;
    }

    public long OldestAvailable(ApiResource resource) => HistoryOf(resource).CompactedThrough + 1;

    public void Unsubscribe(WatchSubscription subscription) => HistoryOf(subscription.Resource).Subscribers.Remove(subscription);

    public void Bookmark(long resourceVersion)
    {
        foreach (var subscription in _histories.Values.SelectMany(h => h.Subscribers).Where(s => s.Bookmarks))
            subscription.Enqueue(new WatchItem(ChangeType.Bookmark, null, resourceVersion));
    }

    /// <summary>Forgets all history up to <paramref name="resourceVersion"/> and closes every open watch, like a compaction that outran them.</summary>
    public void Compact(long resourceVersion)
    {
        foreach (var history in _histories.Values)
        {
            history.Events.Clear();
            history.CompactedThrough = Math.Max(history.CompactedThrough, resourceVersion);
        }
        CloseAll();
    }

    public void CloseAll()
    {
        foreach (var history in _histories.Values)
        {
            foreach (var subscription in history.Subscribers) subscription.Close();
            history.Subscribers.Clear();
        }
    }

    public int OpenWatches => _histories.Values.Sum(h => h.Subscribers.Count);

    private History HistoryOf(ApiResource resource)
    {
        if (!_histories.TryGetValue(resource, out var history))
            _histories[resource] = history = new History();
        return history;
    }

    private sealed class History
    {
        public Queue<StoreChange> Events { get; } = new();
        public List<WatchSubscription> Subscribers { get; } = [];

        /// <summary>The newest resourceVersion whose event is gone; a watch from before it must re-list.</summary>
        public long CompactedThrough { get; set; }
    }
}
