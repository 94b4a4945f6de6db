using System.Collections.Concurrent;
using ControlApi.Persistence;

namespace ControlApi.Revisions;

/// <summary>
/// Each cluster's current revision as last read, labelled with the <see cref="DatabaseVersion"/> it
/// was read at. Reads that are served again while that version holds cost no database round trip;
/// any commit by anyone — a new revision, a state the commit job or the tracker moved, a write by
/// another process on the same file — changes the version and so the next read goes to the
/// database. Where the version cannot be told (PostgreSQL) nothing is kept and every read goes
/// through, so another replica's write is seen at once.
/// </summary>
public sealed class CurrentRevisionCache
{
    private readonly ConcurrentDictionary<string, (long Version, RevisionResource Current)> _current = new(StringComparer.Ordinal);

    public bool TryGet(string clusterId, long? at, out RevisionResource current)
    {
        current = null!;
        if (at is not { } now || !_current.TryGetValue(clusterId, out var entry) || entry.Version != now) return false;
        current = entry.Current;
        return true;
    }

    public void Remember(string clusterId, long? at, RevisionResource current)
    {
        if (at is { } version) _current[clusterId] = (version, current);
    }
}
