namespace ControlApi.Data.Entities;

/// <summary>
/// Written in the same transaction as the revision it points at; the commit job works the outbox,
/// so an accepted revision is never lost between the database and the GitOps repository.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public required string ClusterId { get; set; }
    public long RevisionId { get; set; }
    public int RevisionNumber { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? LastError { get; set; }
}
