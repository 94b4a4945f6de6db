using Microsoft.Extensions.Options;

namespace ControlApi.Security;

/// <summary>
/// Counts failed key checks per client address in fixed windows. Once an address reaches the limit,
/// every request from it that presents a key is refused with 429 until its window ends — a correct
/// key included, so a guesser cannot tell a hit from a miss.
/// </summary>
public sealed class FailedAuthenticationThrottle(IOptions<SecurityOptions> options, TimeProvider time)
{
    /// <summary>Past this many tracked addresses, expired windows are dropped so memory stays bounded.</summary>
    private const int PruneThreshold = 10_000;

    private readonly FailedAuthenticationOptions _limits = options.Value.FailedAuthentication;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void RecordFailure(string address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_windows.TryGetValue(address, out var window) || window.EndsAt <= now)
            {
                if (_windows.Count >= PruneThreshold) Prune(now);
                window = new Window(now + _limits.Window);
                _windows[address] = window;
            }
            window.Failures++;
        }
    }

    public bool IsLockedOut(string address, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        retryAfter = TimeSpan.Zero;
        lock (_lock)
        {
            if (!_windows.TryGetValue(address, out var window) || window.EndsAt <= now || window.Failures < _limits.PerAddress)
                return false;
            retryAfter = window.EndsAt - now;
            return true;
        }
    }

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
