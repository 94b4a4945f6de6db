namespace ControlApi.Data.Entities;

/// <summary>
/// An API key. The public <see cref="Id"/> is part of the key text, so a presented key is found by
/// id and compared by hash; the secret itself is never stored. Revoked keys stay for the audit trail.
/// </summary>
public sealed class ApiKey
{
    /// <summary>Public key id (lowercase hex), the middle part of <c>cak_&lt;id&gt;_&lt;secret&gt;</c>.</summary>
    public required string Id { get; set; }

    /// <summary>Who or what holds the key; becomes the author of the revisions it makes.</summary>
    public required string Name { get; set; }

    /// <summary>
    /// The person who holds the key, as approvals count people: two keys of one person are one
    /// approver. Null: the key's name.
    /// </summary>
    public string? Person { get; set; }

    /// <summary><c>viewer</c>, <c>operator</c> or <c>admin</c>.</summary>
    public required string Role { get; set; }

    /// <summary>SHA-256 of the secret part (lowercase hex).</summary>
    public required string SecretHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }

    /// <summary>Updated at most once per interval, not on every request.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
}
