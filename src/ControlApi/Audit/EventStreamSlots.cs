using System.Collections.Concurrent;

namespace ControlApi.Audit;

/// <summary>Counts the open event streams per API key, so one key cannot hold an unbounded number of connections (per process).</summary>
public sealed class EventStreamSlots
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>A slot for <paramref name="key"/>, released when disposed; null when it already holds <paramref name="max"/>.</summary>
    public IDisposable? TryTake(string key, int max)
    {
        while (true)
        {
            var held = _open.GetOrAdd(key, 0);
            if (held >= max) return null;
            if (_open.TryUpdate(key, held + 1, held)) return new Slot(this, key);
        }
    }

    public int Held(string key) => _open.TryGetValue(key, out var held) ? held : 0;

    private void Release(string key)
    {
        while (true)
        {
            var held = _open[key];
            if (held <= 1)
            {
                if (_open.TryRemove(new KeyValuePair<string, int>(key, held))) return;
            }
            else if (_open.TryUpdate(key, held - 1, held)) return;
        }
    }

    private sealed class Slot(EventStreamSlots slots, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release(key);
        }
    }
}
