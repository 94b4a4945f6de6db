namespace ControlApi.Data.Entities;

/// <summary>
/// A stop on a cluster's changes: the admins' freeze (every change refused until unfrozen) or one
/// person's lock for their maintenance (others' changes refused until unlocked or expired). At most
/// one of each kind per cluster; lifting it deletes the row, the audit keeps the history.
/// </summary>
public sealed class ClusterHold
{
    public required string ClusterId { get; set; }

    /// <summary><c>freeze</c> or <c>lock</c> (ClusterHoldKinds).</summary>
    public required string Kind { get; set; }

    /// <summary>The person who holds it: X-On-Behalf-Of or the API key's name, or the chat user.</summary>
    public required string Holder { get; set; }

    /// <summary>The API key (or chat platform) that set it.</summary>
    public required string Actor { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When a lock ends by itself; null holds until lifted. A freeze never expires.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}
