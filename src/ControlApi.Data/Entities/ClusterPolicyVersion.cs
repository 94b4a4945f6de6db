namespace ControlApi.Data.Entities;

/// <summary>
/// One version of a cluster's change policy (approvals, windows), kept like settings revisions: a
/// PUT adds the next version, the newest is in force, older ones stay for the record.
/// </summary>
public sealed class ClusterPolicyVersion
{
    public required string ClusterId { get; set; }
    public int Version { get; set; }

    /// <summary>The policy in its JSON contract (PolicyJson).</summary>
    public required string PolicyJson { get; set; }
    public required string Author { get; set; }
    public string? OnBehalfOf { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
