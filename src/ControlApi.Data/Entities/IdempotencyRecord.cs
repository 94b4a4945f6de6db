namespace ControlApi.Data.Entities;

/// <summary>
/// Remembers the answer to a change request carrying an <c>Idempotency-Key</c>, so a retried request
/// gets the same answer and makes no second revision.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string ClusterId { get; set; }
    public required string Key { get; set; }

    /// <summary>SHA-256 of method, route and body: the same key with another request is refused.</summary>
    public required string RequestHash { get; set; }

    public int StatusCode { get; set; }
    public required string ResponseJson { get; set; }
    public string? Location { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
