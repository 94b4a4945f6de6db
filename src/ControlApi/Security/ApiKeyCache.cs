using System.Collections.Concurrent;
using ControlApi.Data.Entities;
using ControlApi.Persistence;

namespace ControlApi.Security;

/// <summary>
/// Stored keys as last read, so that authenticating a request needs no database read while the
/// database has not changed. Only what the database holds is kept — id, name, role, the secret's
/// hash, revocation — never a presented secret; each request's secret is still hashed and compared
/// in constant time against the stored hash. Unknown ids are not remembered, so guessing cannot
/// fill it: it holds at most the issued keys.
/// <para>
/// How soon a revocation counts: on SQLite at once, whoever revoked (<see cref="DatabaseVersion"/>
/// changes with every commit). On PostgreSQL at once on the replica that revoked, and on the
/// others within <see cref="UnversionedLifetime"/>.
/// </para>
/// </summary>
public sealed class ApiKeyCache(DatabaseVersion version, TimeProvider time)
{
    /// <summary>How long an entry is trusted where the database cannot say whether it changed (PostgreSQL).</summary>
    public static readonly TimeSpan UnversionedLifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _keys = new(StringComparer.Ordinal);
    private long _forgotten;

    private sealed record Entry(ApiKey Key, long? Version, DateTimeOffset ReadAt);

    /// <summary>Taken before the lookup: what the database and this cache looked like when it began.</summary>
    public readonly record struct Lookup(long? Version, long Forgotten, DateTimeOffset At);

    /// <param name="at">The database's version, taken before the lookup (<see cref="RequestDatabaseVersion"/>).</param>
    public Lookup Begin(long? at) => new(at, Interlocked.Read(ref _forgotten), time.GetUtcNow());

    public bool TryGet(string id, Lookup lookup, out ApiKey key)
    {
        key = null!;
        if (!_keys.TryGetValue(id, out var entry)) return false;
        var fresh = lookup.Version is { } now
            ? entry.Version == now
            // Trusting for a while is PostgreSQL's bound only; on SQLite a version that cannot be read now means read the key.
            : !version.IsTracked && entry.Version is null && lookup.At - entry.ReadAt < UnversionedLifetime;
        if (!fresh) return false;
        key = entry.Key;
        return true;
    }

    /// <summary>Keeps a key read from the database, unless a key was forgotten since the lookup began (it may be this one, read before its revocation committed).</summary>
    public void Remember(ApiKey key, Lookup lookup)
    {
        if (Interlocked.Read(ref _forgotten) != lookup.Forgotten) return;
        _keys[key.Id] = new Entry(key, lookup.Version, lookup.At);
    }

    /// <summary>After this process changed the key (revoked, used): the next request reads it again.</summary>
    public void Forget(string id)
    {
        Interlocked.Increment(ref _forgotten);
        _keys.TryRemove(id, out _);
    }
}
