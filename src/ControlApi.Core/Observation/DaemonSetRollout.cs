using System.Globalization;
using ControlApi.Core.Clusters;

namespace ControlApi.Core.Observation;

/// <summary>The counters of a DaemonSet's <c>status</c> that say how far a rollout got (apps/v1 DaemonSetStatus).</summary>
public sealed record DaemonSetStatus(
    ObjectRef Ref,
    bool Found,
    long Generation,
    long ObservedGeneration,
    int DesiredNumberScheduled,
    int CurrentNumberScheduled,
    int UpdatedNumberScheduled,
    int NumberReady,
    int NumberAvailable,
    int NumberUnavailable)
{
    public static DaemonSetStatus Missing(ObjectRef reference) => new(reference, false, 0, 0, 0, 0, 0, 0, 0, 0);
}

public enum RolloutPhase
{
    /// <summary>The DaemonSet does not exist.</summary>
    Missing,
    /// <summary>The controller has not observed the newest generation yet.</summary>
    Pending,
    Progressing,
    Complete,
}

/// <summary>
/// How far a rollout is. <see cref="Signature"/> changes whenever the rollout moves, which is how
/// "no progress by the deadline" is told apart from a slow but moving rollout.
/// </summary>
public sealed record RolloutProgress(RolloutPhase Phase, long Generation, int Desired, int Updated, int Ready, int Available, string Detail)
{
    public string Signature => string.Create(CultureInfo.InvariantCulture, $"{Phase}/{Generation}/{Updated}/{Ready}/{Available}/{Desired}");

    /// <summary>Quarters of the nodes updated (0–4): a bounded number of progress events however big the cluster.</summary>
    public int Quarter => Desired <= 0 ? 0 : Math.Clamp(Updated * 4 / Desired, 0, 4);
}

public static class RolloutEvaluator
{
    /// <summary>
    /// Complete when the controller observed the current generation and every scheduled node runs
    /// an updated, ready and available pod: observedGeneration ≥ generation and
    /// updatedNumberScheduled = desiredNumberScheduled = numberAvailable = numberReady (as
    /// <c>kubectl rollout status daemonset/cilium</c> waits for).
    /// </summary>
    public static RolloutProgress Determine(DaemonSetStatus ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        if (!ds.Found) return new RolloutProgress(RolloutPhase.Missing, 0, 0, 0, 0, 0, $"DaemonSet {ds.Ref} does not exist");
        var counts = string.Create(CultureInfo.InvariantCulture,
            $"{ds.UpdatedNumberScheduled}/{ds.DesiredNumberScheduled} updated, {ds.NumberReady} ready, {ds.NumberAvailable} available");
        if (ds.ObservedGeneration < ds.Generation)
            return new RolloutProgress(RolloutPhase.Pending, ds.Generation, ds.DesiredNumberScheduled, ds.UpdatedNumberScheduled, ds.NumberReady, ds.NumberAvailable,
                string.Create(CultureInfo.InvariantCulture, $"generation {ds.Generation} not observed yet (observed {ds.ObservedGeneration}); {counts}"));
        var complete = ds.UpdatedNumberScheduled == ds.DesiredNumberScheduled
            && ds.NumberAvailable == ds.DesiredNumberScheduled
            && ds.NumberReady == ds.DesiredNumberScheduled;
        return new RolloutProgress(complete ? RolloutPhase.Complete : RolloutPhase.Progressing, ds.Generation,
            ds.DesiredNumberScheduled, ds.UpdatedNumberScheduled, ds.NumberReady, ds.NumberAvailable, counts);
    }
}
