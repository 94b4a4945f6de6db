namespace ControlApi.Data.Entities;

/// <summary>
/// Append-only, hash-chained record (SPEC §6). <see cref="Hash"/> covers the canonical content and
/// <see cref="PreviousHash"/>, so editing, deleting or reordering a row breaks the chain.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset Time { get; set; }
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
