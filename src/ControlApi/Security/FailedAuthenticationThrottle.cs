using Microsoft.Extensions.Options;

namespace ControlApi.Security;

/// <summary>
/// Counts failed key checks per client address and guessed key in fixed windows. A guess aims at
/// one secret: an issued key's secret (named by the public id in the presented token) or, for
/// anything not shaped like an issued key, the bootstrap admin key. Once an address reaches the
/// limit for a target, every request from it presenting a key for that target is refused with 429
/// until the window ends — a correct key included, so a guesser cannot tell a hit from a miss.
/// Other keys from the same address go on: behind an ingress every client shares one address, and
/// one client's stale or mistyped key must not lock out everyone else's valid one.
/// </summary>
public sealed class FailedAuthenticationThrottle(IOptions<SecurityOptions> options, TimeProvider time)
{
    /// <summary>Past this many tracked addresses, expired windows are dropped so memory stays bounded.</summary>
    private const int PruneThreshold = 10_000;

    private readonly FailedAuthenticationOptions _limits = options.Value.FailedAuthentication;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The one secret a presented key tries: an issued key by its public id, else the bootstrap admin key.</summary>
    public static string TargetOf(string? presentedKey) =>
        presentedKey is not null && ApiKeyTokens.TryParse(presentedKey, out var id, out _) ? "key:" + id : "bootstrap";

    public void RecordFailure(string address, string target)
    {
        var now = time.GetUtcNow();
        var bucket = Bucket(address, target);
        lock (_lock)
        {
            if (!_windows.TryGetValue(bucket, out var window) || window.EndsAt <= now)
            {
                if (_windows.Count >= PruneThreshold) Prune(now);
                window = new Window(now + _limits.Window);
                _windows[bucket] = window;
            }
            window.Failures++;
        }
    }

    public bool IsLockedOut(string address, string target, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        retryAfter = TimeSpan.Zero;
        lock (_lock)
        {
            if (!_windows.TryGetValue(Bucket(address, target), out var window) || window.EndsAt <= now || window.Failures < _limits.PerAddress)
                return false;
            retryAfter = window.EndsAt - now;
            return true;
        }
    }

    private static string Bucket(string address, string target) => address + " " + target;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, window) in _windows.ToList())
            if (window.EndsAt <= now) _windows.Remove(address);
    }

    private sealed class Window(DateTimeOffset endsAt)
    {
        public DateTimeOffset EndsAt { get; } = endsAt;
        public int Failures { get; set; }
    }
}
