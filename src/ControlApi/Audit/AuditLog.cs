using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Audit;

/// <summary>
/// What happened, before it is stamped and chained. <paramref name="Person"/> is the human behind a
/// bot or chat actor; the details must name them too, since only the details are hashed.
/// </summary>
public sealed record AuditEntry(
    string Kind,
    string? ClusterId,
    int? Revision,
    string Actor,
    string Source,
    string Summary,
    object? Details = null,
    string? Person = null);

/// <summary>
/// Something that must happen in the same transaction as an audit event, e.g. queueing its
/// webhook deliveries. It adds to <paramref name="db"/>; <see cref="AuditLog"/> saves.
/// </summary>
public interface IAuditObserver
{
    Task OnAppendedAsync(ControlApiDbContext db, AuditEvent appended, CancellationToken cancellationToken);
}

/// <summary>
/// Appends hash-chained audit events. Call inside a <see cref="Persistence.WriteTurn"/>: it holds the
/// chain head (the in-process gate on SQLite, an advisory lock on PostgreSQL) from before the id is
/// assigned until the commit, so the previous hash read here is still the last one and ids commit
/// in chain order on every replica. It saves the context, what the caller added before it with the
/// event (the caller's turn decides whether it all lands).
/// </summary>
public sealed class AuditLog(TimeProvider time, IEnumerable<IAuditObserver> observers)
{
    /// <summary>The previous hash of the very first event.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    public async Task<AuditEvent> AppendAsync(ControlApiDbContext db, AuditEntry entry, CancellationToken cancellationToken)
    {
        // An event added some other way is saved first, so the chain's head read below is the real last one.
        // Everything else pending goes with this event in one save: a round trip fewer inside every write turn.
        if (db.ChangeTracker.Entries<AuditEvent>().Any(e => e.State == EntityState.Added)) await db.SaveChangesAsync(cancellationToken);
        var previous = await db.AuditEvents.OrderByDescending(e => e.Id).Select(e => new { e.Hash, e.Time }).FirstOrDefaultAsync(cancellationToken);

        // Time never goes backwards along the chain (a clock step back keeps the last time), so
        // since/until filters can be answered as an id range (AuditQuery).
        // Cut to what both engines store (StoredInstant), so the hash verifies after a read from either.
        var now = Data.StoredInstant.Of(time.GetUtcNow());
        var audit = new AuditEvent
        {
            Time = previous is not null && previous.Time > now ? previous.Time : now,
            ClusterId = entry.ClusterId,
            Revision = entry.Revision,
            Kind = entry.Kind,
            Actor = entry.Actor,
            Source = entry.Source,
            Person = entry.Person,
            Summary = entry.Summary,
            DetailsJson = JsonSerializer.Serialize(entry.Details ?? new { }, DetailsJson),
            PreviousHash = previous?.Hash ?? GenesisHash,
            Hash = "",
        };
        audit.Hash = ComputeHash(audit);
        db.AuditEvents.Add(audit);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var observer in observers) await observer.OnAppendedAsync(db, audit, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return audit;
    }

    /// <summary>
    /// The instant the event was hashed with, and the one the API shows: <see cref="AuditEvent.Time"/>
    /// plus the ticks below the microsecond an import had to keep apart (<see cref="AuditEvent.SubMicrosecondTicks"/>).
    /// </summary>
    public static DateTimeOffset InstantOf(AuditEvent e) => e.SubMicrosecondTicks is { } below ? e.Time.AddTicks(below) : e.Time;

    /// <summary>
    /// True when the stored content gives the stored hash. An instant split on import must be split
    /// the one way <see cref="Data.StoredInstant.Split"/> does (Time whole microseconds, 1–9 ticks
    /// kept apart): otherwise Time could be moved by whole microseconds — and with it the event's
    /// place in since/until queries — while the sum, and so the hash, stayed the same.
    /// </summary>
    public static bool ContentMatchesHash(AuditEvent e) =>
        (e.SubMicrosecondTicks is null || (e.SubMicrosecondTicks is >= 1 and < 10 && e.Time.UtcTicks % TimeSpan.TicksPerMicrosecond == 0))
        && string.Equals(ComputeHash(e), e.Hash, StringComparison.Ordinal);

    /// <summary>
    /// SHA-256 over the canonical content and the previous hash (hex, lowercase). The instant is
    /// hashed as UTC 100 ns ticks, as every version has: a chain written before instants were cut to
    /// microseconds verifies unchanged, on SQLite as stored and on PostgreSQL through the ticks kept apart.
    /// </summary>
    public static string ComputeHash(AuditEvent e)
    {
        var canonical = string.Join('\n',
            e.PreviousHash,
            InstantOf(e).UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            e.ClusterId ?? "",
            e.Revision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            e.Kind, e.Actor, e.Source, e.Summary, e.DetailsJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
