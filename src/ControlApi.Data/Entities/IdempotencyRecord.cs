namespace ControlApi.Data.Entities;

/// <summary>
/// Remembers how a change request carrying an <c>Idempotency-Key</c> ended, so a retried request
/// gets the same answer and makes no second revision. It stores the domain outcome, not an HTTP
/// answer: the endpoint that replays it maps it to HTTP exactly as it mapped the first one.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string ClusterId { get; set; }
    public required string Key { get; set; }

    /// <summary>SHA-256 of method, route and body: the same key with another request is refused.</summary>
    public required string RequestHash { get; set; }

    public RememberedOutcome Outcome { get; set; }

    /// <summary>The revision the first request made (accepted) or found (unchanged).</summary>
    public int RevisionNumber { get; set; }

    /// <summary>The change resource the first outcome carried, as JSON.</summary>
    public required string ChangeJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The outcomes of a change that an <c>Idempotency-Key</c> remembers (refusals are not remembered).</summary>
public enum RememberedOutcome
{
    Accepted,
    Unchanged,
}
