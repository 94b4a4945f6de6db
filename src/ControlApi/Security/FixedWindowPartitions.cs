using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace ControlApi.Security;

/// <summary>
/// A fixed window of <c>permits</c> requests per partition (a key, an address), counted on the clock
/// when a request comes: a partition's window starts with its first request and a request after its
/// end starts the next. The framework's partitioned limiter replenishes by a timer every 100 ms for
/// as long as the service runs, requests or not; this one does nothing between requests, so an idle
/// service is not woken ten times a second per limiter. A partition with no request for a whole
/// window is forgotten (looked for at most once a window).
/// </summary>
/// <param name="partition">The partition of a request; null for none (not limited).</param>
internal sealed class FixedWindowPartitions(Func<HttpContext, string?> partition, int permits, TimeSpan window, TimeProvider time) : PartitionedRateLimiter<HttpContext>
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private long _nextSweep = time.GetTimestamp();

    private sealed class Window(long start)
    {
        public long Start = start;
        public int Used;
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) => Acquire(resource, permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Acquire(resource, permitCount));

    private RateLimitLease Acquire(HttpContext resource, int permitCount)
    {
        if (partition(resource) is not { } key) return Lease.Granted;
        var now = time.GetTimestamp();
        Sweep(now);
        var current = _windows.GetOrAdd(key, static (_, start) => new Window(start), now);
        lock (current)
        {
            if (time.GetElapsedTime(current.Start, now) >= window)
            {
                current.Start = now;
                current.Used = 0;
            }
            // Zero permits asks whether any is left, as the framework's limiters answer it.
            if (permitCount == 0 ? current.Used < permits : current.Used + permitCount <= permits)
            {
                current.Used += permitCount;
                return Lease.Granted;
            }
            return new Lease(false, window - time.GetElapsedTime(current.Start, now));
        }
    }

    private void Sweep(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + (long)(window.TotalSeconds * time.TimestampFrequency), due) != due) return;
        foreach (var (key, idle) in _windows)
        {
            // A request may be taking its permit as this looks: it then counts in a window about to
            // end anyway, and the partition starts afresh.
            if (time.GetElapsedTime(Volatile.Read(ref idle.Start), now) >= window) _windows.TryRemove(KeyValuePair.Create(key, idle));
        }
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter = null) : RateLimitLease
    {
        public static readonly Lease Granted = new(true);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name ? wait : null;
            return metadata is not null;
        }
    }
}
