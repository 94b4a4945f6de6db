using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Probes;

namespace ControlApi.Tracking;

/// <summary>
/// The revision a tracker follows, as stored when the step starts. <see cref="State"/> is the stored
/// state; a revision that failed but may recover (<see cref="Recovering"/>) is looked at by the step
/// of the state it failed in, which then records only progress — never the same failure again.
/// </summary>
public sealed record TrackedRevision(
    ManagedCluster Cluster,
    long Id,
    int Number,
    string Commit,
    CiliumSettings Settings,
    RevisionState State,
    DateTimeOffset StateSince)
{
    public string Name => $"{Cluster.Id} revision {Number}";

    /// <summary>A canary not promoted: its commit carries a CiliumNodeConfig for these nodes and keys, not the cluster-wide values.</summary>
    public Core.Canary.CanaryOverlay? OpenCanary { get; init; }
    public bool Recovering => State.MayRecover();
    public string ShortCommit => GitOps.CommitIds.Short(Commit);
}

/// <summary>What the tracker does after a step.</summary>
public abstract record StepOutcome
{
    private StepOutcome() { }

    /// <summary>The revision changed state (here or elsewhere): load it and run the next step at once.</summary>
    public sealed record Moved : StepOutcome;

    /// <summary>Nothing to record yet: wait for a watch event, at most this long.</summary>
    public sealed record Wait(TimeSpan AtMost) : StepOutcome;

    public static readonly StepOutcome Advanced = new Moved();
}

/// <summary>A step of the track job: one state of the lifecycle, observed and decided.</summary>
public interface ITrackingStep
{
    /// <summary>The state this step moves a revision out of.</summary>
    RevisionState From { get; }

    Task<StepOutcome> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken);
}
