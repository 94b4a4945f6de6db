namespace ControlApi.Chatops;

/// <summary>
/// Remembers recently seen request signatures until their timestamp leaves the acceptance window,
/// so a captured request cannot be sent again. Bounded: past <c>capacity</c> the oldest entries go
/// first — only a flood of validly signed requests (which needs the secret) could push one out early.
/// In-memory, so per replica: the quick first look; <see cref="SeenSignatures"/> in the database is
/// the look every replica shares.
/// </summary>
public sealed class ReplayCache(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private readonly Queue<(string Signature, DateTimeOffset Expires)> _order = new();

    public int Count
    {
        get
        {
            lock (_lock) return _expiries.Count;
        }
    }

    /// <summary>True the first time a signature is seen (it is remembered until <paramref name="expires"/>); false for a replay.</summary>
    public bool TryRemember(string signature, DateTimeOffset expires, DateTimeOffset now)
    {
        lock (_lock)
        {
            EvictExpired(now);
            if (_expiries.TryGetValue(signature, out var until) && until > now) return false;

            _expiries[signature] = expires;
            _order.Enqueue((signature, expires));
            while (_expiries.Count > Math.Max(1, capacity) && _order.TryDequeue(out var oldest)) Forget(oldest);
            return true;
        }
    }

    private void EvictExpired(DateTimeOffset now)
    {
        // Insertion order is close to expiry order (timestamps are within the window); an entry
        // behind a later one lingers a little longer, which only costs memory within the bound.
        while (_order.TryPeek(out var head) && head.Expires <= now)
        {
            _order.Dequeue();
            Forget(head);
        }
    }

    private void Forget((string Signature, DateTimeOffset Expires) entry)
    {
        // The same signature may have been remembered again after it expired; keep the newer entry.
        if (_expiries.TryGetValue(entry.Signature, out var until) && until == entry.Expires) _expiries.Remove(entry.Signature);
    }
}

/// <summary>
/// The acceptance window of signed chat requests: a request is fresh while its own signed time is
/// within the tolerance of now, and each signature is admitted once while it could still be fresh.
/// Slack and Teams share it; only where the time comes from differs.
/// </summary>
public sealed class ReplayWindow(TimeSpan tolerance, int capacity)
{
    private readonly ReplayCache _seen = new(capacity);

    public bool IsFresh(DateTimeOffset sent, DateTimeOffset now) => (now - sent).Duration() <= tolerance;

    /// <summary>True the first time; remembered until <paramref name="sent"/> leaves the window, after which freshness refuses it anyway.</summary>
    public bool FirstTime(string signature, DateTimeOffset sent, DateTimeOffset now) => _seen.TryRemember(signature, sent + tolerance, now);
}
