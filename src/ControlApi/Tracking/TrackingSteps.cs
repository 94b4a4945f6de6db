using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Probes;

namespace ControlApi.Tracking;

/// <summary>The revision a tracker follows, as stored when the step starts.</summary>
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
    public string ShortCommit => Commit.Length > 12 ? Commit[..12] : Commit;
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
