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
    public required string Summary { get; set; }
    public string DetailsJson { get; set; } = "{}";
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}
