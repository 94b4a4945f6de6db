namespace ControlApi.Data.Entities;

/// <summary>
/// Append-only, hash-chained record (SPEC §6). <see cref="Hash"/> covers the canonical content and
/// <see cref="PreviousHash"/>, so editing, deleting or reordering a row breaks the chain.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    /// <summary>When it happened, as stored: whole microseconds on every engine for events written today.</summary>
    public DateTimeOffset Time { get; set; }

    /// <summary>
    /// The 100 ns ticks (1–9) of the hashed instant that <see cref="Time"/> cannot keep; null for
    /// every event written today. Versions before instants were cut to microseconds stored 100 ns
    /// instants in SQLite and hashed them; PostgreSQL's <c>timestamptz</c> keeps microseconds only,
    /// so an import keeps the rest here and the hash (and the API's <c>time</c>) adds it back
    /// (<c>AuditLog.InstantOf</c>). It is part of the hashed content: changing it breaks the chain.
    /// </summary>
    public byte? SubMicrosecondTicks { get; set; }
    public string? ClusterId { get; set; }
    public int? Revision { get; set; }
    public required string Kind { get; set; }
    public required string Actor { get; set; }
    public required string Source { get; set; }

    /// <summary>
    /// The human behind the event when the actor is a bot or a platform: X-On-Behalf-Of of an API
    /// change, the chat user of a chat command. A search key for <c>person=</c> only, outside the hash:
    /// the hashed details hold the same name (<c>onBehalfOf</c>, <c>person</c> or <c>userName</c>).
    /// </summary>
    public string? Person { get; set; }
    public required string Summary { get; set; }
    public string DetailsJson { get; set; } = "{}";
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}
