using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Audit;

/// <summary>
/// Reads the audit history newest first with a keyset cursor (the last id seen), so a page costs
/// the same at the end of millions of events as at the start and stays stable while events are added.
/// Every filter is answered by an index range (see AuditEventConfiguration):
/// since/until become an id range because time never decreases along ids, and a kind prefix becomes
/// the few kinds it covers, each read by its own index range and merged.
/// </summary>
public sealed class AuditReader(ControlApiDbContext db)
{
    public const int MaxPageSize = 500;
    public const int DefaultPageSize = 50;

    public async Task<AuditPage> PageAsync(AuditFilter filter, int limit, long? before, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(filter, limit + 1, before, cancellationToken);
        var items = rows.Take(limit).Select(AuditEventResource.From).ToList();
        var next = rows.Count > limit ? EncodeCursor(items[^1].Id) : null;
        return new AuditPage(items, next);
    }

    /// <summary>Every matching event, newest first, read page by page: memory stays that of one page.</summary>
    public async IAsyncEnumerable<AuditEventResource> ExportAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long? before = null;
        while (true)
        {
            var rows = await ReadAsync(filter, MaxPageSize, before, cancellationToken);
            foreach (var row in rows) yield return AuditEventResource.From(row);
            if (rows.Count < MaxPageSize) yield break;
            before = rows[^1].Id;
        }
    }

    /// <summary>Up to <paramref name="take"/> matching events with an id below <paramref name="before"/>, newest first.</summary>
    public async Task<List<AuditEvent>> ReadAsync(AuditFilter filter, int take, long? before, CancellationToken cancellationToken)
    {
        var range = await IdRangeAsync(filter, cancellationToken);
        if (range is null) return [];
        var (from, to) = range.Value;
        if (before is { } b) to = to is { } t ? Math.Min(t, b) : b;

        var query = db.AuditEvents.AsNoTracking();
        if (filter.Cluster is { } cluster) query = query.Where(e => e.ClusterId == cluster);
        if (filter.Revision is { } revision) query = query.Where(e => e.Revision == revision);
        if (filter.Actor is { } actor) query = query.Where(e => e.Actor == actor);
        // A person acts through a key of their own (actor) or through a bot or chat (person).
        if (filter.Person is { } person) query = query.Where(e => e.Actor == person || e.Person == person);
        if (from is { } low) query = query.Where(e => e.Id >= low);
        if (to is { } high) query = query.Where(e => e.Id < high);

        if (filter.Kind is null) return await Newest(query, take).ToListAsync(cancellationToken);
        if (!filter.KindIsPrefix) return await Newest(query.Where(e => e.Kind == filter.Kind), take).ToListAsync(cancellationToken);

        // A prefix range on Kind cannot be read in id order; its few kinds each can, then merge the heads.
        var merged = new List<AuditEvent>();
        foreach (var kind in await KindsStartingWithAsync(filter.Kind, cancellationToken))
            merged.AddRange(await Newest(query.Where(e => e.Kind == kind), take).ToListAsync(cancellationToken));
        return merged.OrderByDescending(e => e.Id).Take(take).ToList();
    }

    /// <summary>
    /// Up to <paramref name="take"/> matching events with an id above <paramref name="after"/>, oldest
    /// first: what an event stream has not sent yet. Time filters are not used here. Ids become
    /// visible in order — every append holds the chain head of its write turn (SQLite: the gate and the
    /// single write lock; PostgreSQL: the chain's advisory lock, on every replica) from the moment its
    /// id is assigned until its transaction ends — so a reader that saw id n never later finds a smaller one.
    /// </summary>
    public async Task<List<AuditEvent>> ReadAfterAsync(AuditFilter filter, long after, int take, CancellationToken cancellationToken)
    {
        var query = db.AuditEvents.AsNoTracking().Where(e => e.Id > after);
        if (filter.Cluster is { } cluster) query = query.Where(e => e.ClusterId == cluster);
        if (filter.Revision is { } revision) query = query.Where(e => e.Revision == revision);
        if (filter.Actor is { } actor) query = query.Where(e => e.Actor == actor);
        // A person acts through a key of their own (actor) or through a bot or chat (person).
        if (filter.Person is { } person) query = query.Where(e => e.Actor == person || e.Person == person);
        if (filter.Kind is { } kind)
            query = filter.KindIsPrefix ? query.Where(e => e.Kind.StartsWith(kind)) : query.Where(e => e.Kind == kind);
        return await query.OrderBy(e => e.Id).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>The newest event's id, 0 when there is none: where a stream without Last-Event-ID starts.</summary>
    public async Task<long> LastIdAsync(CancellationToken cancellationToken) =>
        await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Id).Select(e => e.Id).FirstOrDefaultAsync(cancellationToken);

    private static IQueryable<AuditEvent> Newest(IQueryable<AuditEvent> query, int take) =>
        query.OrderByDescending(e => e.Id).Take(take);

    /// <summary>
    /// The distinct kinds in the table that start with <paramref name="prefix"/>, found by hopping
    /// along the kind index (one seek per kind) instead of reading every row of the range.
    /// </summary>
    internal async Task<List<string>> KindsStartingWithAsync(string prefix, CancellationToken cancellationToken)
    {
        var kinds = new List<string>();
        var next = await db.AuditEvents.AsNoTracking()
            .Where(e => string.Compare(e.Kind, prefix) >= 0)
            .OrderBy(e => e.Kind).Select(e => e.Kind).FirstOrDefaultAsync(cancellationToken);
        while (next is not null && next.StartsWith(prefix, StringComparison.Ordinal))
        {
            kinds.Add(next);
            var after = next;
            next = await db.AuditEvents.AsNoTracking()
                .Where(e => string.Compare(e.Kind, after) > 0)
                .OrderBy(e => e.Kind).Select(e => e.Kind).FirstOrDefaultAsync(cancellationToken);
        }
        return kinds;
    }

    /// <summary>
    /// since/until as ids: the first id at or after each instant (one seek on the time index each).
    /// Null when nothing can match; a null bound is open.
    /// </summary>
    private async Task<(long? From, long? To)?> IdRangeAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        long? from = null, to = null;
        if (filter.Since is { } since)
        {
            from = await FirstIdAtOrAfterAsync(since, cancellationToken);
            if (from is null) return null;
        }
        if (filter.Until is { } until)
        {
            to = await FirstIdAtOrAfterAsync(until, cancellationToken);
            if (to is { } t && from is { } f && t <= f) return null;
        }
        return (from, to);
    }

    private Task<long?> FirstIdAtOrAfterAsync(DateTimeOffset instant, CancellationToken cancellationToken) =>
        db.AuditEvents.AsNoTracking()
            .Where(e => e.Time >= instant)
            .OrderBy(e => e.Time).ThenBy(e => e.Id)
            .Select(e => (long?)e.Id)
            .FirstOrDefaultAsync(cancellationToken);

    public static string EncodeCursor(long id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("a:" + id.ToString(CultureInfo.InvariantCulture)));

    public static bool TryDecodeCursor(string? cursor, out long? before)
    {
        before = null;
        if (string.IsNullOrEmpty(cursor)) return true;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith("a:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                before = id;
                return true;
            }
        }
        catch (FormatException)
        {
            // Not base64url: reported to the caller as a bad cursor.
        }
        return false;
    }
}
