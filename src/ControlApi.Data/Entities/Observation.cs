namespace ControlApi.Data.Entities;

/// <summary>
/// What a cluster looked like at one poll (SPEC §1 Observation): the snapshot as JSON, so the
/// status API can show the latest one and its age. Old rows are pruned per cluster.
/// </summary>
public sealed class Observation
{
    public long Id { get; set; }
    public required string ClusterId { get; set; }
    public DateTimeOffset ObservedAt { get; set; }
    public bool Reachable { get; set; }

    /// <summary>One line for lists and chat: "reachable; 17/17 agents; no drift".</summary>
    public required string Summary { get; set; }

    public string SnapshotJson { get; set; } = "{}";
}

/// <summary>
/// What the audit has already been told about a cluster — reachability, the drifting keys, the
/// leftovers reported, the last heartbeat — so a restart or a reconnect never repeats an event.
/// </summary>
public sealed class ClusterObservationState
{
    public required string ClusterId { get; set; }
    public bool? Reachable { get; set; }

    /// <summary>Sorted <c>key=live</c> entries (JSON array).</summary>
    public string DriftJson { get; set; } = "[]";

    /// <summary>Sorted leftover keys (JSON array).</summary>
    public string LeftoversJson { get; set; } = "[]";

    public DateTimeOffset? LastHeartbeatAt { get; set; }
    public DateTimeOffset? LastObservedAt { get; set; }
}

/// <summary>
/// A converging revision's tracking progress that must outlive one track job: the reconcile
/// request, the HelmRelease generation that proved the apply, and rollout progress (for the
/// "no progress by the deadline" rule and for reporting each quarter once).
/// </summary>
public sealed class RevisionTracking
{
    public long RevisionId { get; set; }
    public DateTimeOffset? ReconcileRequestedAt { get; set; }
    public long? HelmReleaseGeneration { get; set; }
    public string? RolloutSignature { get; set; }
    public DateTimeOffset? RolloutProgressAt { get; set; }
    public int RolloutQuarter { get; set; }

    /// <summary>What the tracker waits on now, for the status ("HelmRelease not Ready at generation 5").</summary>
    public string? Waiting { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
