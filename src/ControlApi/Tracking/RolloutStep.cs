using System.Globalization;
using ControlApi.Audit;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;
using ControlApi.Data.Entities;
using ControlApi.Kubernetes;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Applied → RolledOut: the <c>cilium</c> DaemonSet observed its newest generation and runs an
/// updated, ready, available pod on every node. Each quarter of the nodes updated is one
/// <c>rollout.progress</c> event (bounded however big the cluster); a rollout that does not move
/// for <see cref="TrackingOptions.RolloutProgressDeadline"/> is RolloutStuck.
/// Precondition: the revision is Applied.
/// </summary>
public sealed class RolloutStep(TrackingRecorder recorder, IOptions<TrackingOptions> options, TimeProvider time) : ITrackingStep
{
    public RevisionState From => RevisionState.Applied;

    public abstract record Decision
    {
        private Decision() { }
        public sealed record Complete(RolloutProgress Progress) : Decision;
        public sealed record Stuck(RolloutProgress Progress, TimeSpan Idle) : Decision;
        /// <param name="Moved">The rollout changed since last seen (restarts the deadline).</param>
        /// <param name="NewQuarter">A quarter of the nodes newly reached, to report once.</param>
        public sealed record Progressing(RolloutProgress Progress, bool Moved, int? NewQuarter) : Decision;
    }

    /// <summary>Pure: compares the rollout with what was last remembered about it.</summary>
    public static Decision Decide(RolloutProgress progress, string? lastSignature, DateTimeOffset lastProgressAt, int reportedQuarter, DateTimeOffset now, TimeSpan deadline)
    {
        if (progress.Phase == RolloutPhase.Complete) return new Decision.Complete(progress);
        var moved = progress.Signature != lastSignature;
        if (!moved && now - lastProgressAt > deadline) return new Decision.Stuck(progress, now - lastProgressAt);
        var quarter = progress.Phase == RolloutPhase.Progressing && progress.Quarter is > 0 and < 4 && progress.Quarter > reportedQuarter ? progress.Quarter : (int?)null;
        return new Decision.Progressing(progress, moved, quarter);
    }

    public async Task<StepOutcome> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var reference = new ObjectRef(revision.Cluster.Profile.HelmRelease.Namespace, ExpectedLiveState.AgentDaemonSetName);
        var ds = await DaemonSetProbe.ReadAsync(connection, reference, cancellationToken);
        var observedAt = time.GetUtcNow();
        var progress = RolloutEvaluator.Determine(ds);
        var tracking = await recorder.ReadAsync(revision.Id, cancellationToken) ?? new RevisionTracking { RevisionId = revision.Id };
        var lastProgressAt = tracking.RolloutProgressAt ?? revision.StateSince;

        switch (Decide(progress, tracking.RolloutSignature, lastProgressAt, tracking.RolloutQuarter, observedAt, settings.RolloutProgressDeadline))
        {
            case Decision.Complete(var done):
                await recorder.MoveAsync(revision.Id, From, RevisionState.RolledOut, observedAt,
                    $"DaemonSet {reference} rolled out at generation {done.Generation}: {done.Detail}",
                    AuditKinds.RolloutCompleted, $"{revision.Name}: DaemonSet {reference} rolled out on all {done.Desired} nodes",
                    new { daemonSet = reference.ToString(), generation = done.Generation, nodes = done.Desired, done.Updated, done.Ready, done.Available },
                    t => { t.RolloutSignature = done.Signature; t.RolloutProgressAt = observedAt; }, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Stuck(var stuck, var idle):
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"DaemonSet {reference} made no progress for {idle.TotalMinutes:0.#} min (deadline {settings.RolloutProgressDeadline.TotalMinutes:0.#} min): {stuck.Detail}");
                await recorder.MoveAsync(revision.Id, From, RevisionState.RolloutStuck, observedAt, reason,
                    AuditKinds.RolloutStuck, $"{revision.Name}: {reason}",
                    new { daemonSet = reference.ToString(), stuck.Generation, nodes = stuck.Desired, stuck.Updated, stuck.Ready, stuck.Available, idleSeconds = (int)idle.TotalSeconds },
                    null, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Progressing(var moving, var moved, var quarter):
                if (quarter is { } q)
                {
                    await recorder.NoteAsync(revision.Id, From, observedAt,
                        due: t => t.RolloutQuarter < q,
                        update: t => { t.RolloutQuarter = q; t.RolloutSignature = moving.Signature; t.RolloutProgressAt = observedAt; t.Waiting = $"rollout: {moving.Detail}"; },
                        AuditKinds.RolloutProgress,
                        string.Create(CultureInfo.InvariantCulture, $"{revision.Name}: DaemonSet {reference} rollout {q * 25}% ({moving.Detail})"),
                        new { daemonSet = reference.ToString(), moving.Generation, nodes = moving.Desired, moving.Updated, moving.Ready, moving.Available, percent = q * 25 },
                        cancellationToken);
                }
                else if (moved || tracking.RolloutProgressAt is null)
                {
                    await recorder.UpdateAsync(revision.Id, observedAt, t =>
                    {
                        t.RolloutSignature = moving.Signature;
                        t.RolloutProgressAt = moved ? observedAt : lastProgressAt;
                        t.Waiting = $"rollout: {moving.Detail}";
                    }, cancellationToken);
                }
                return new StepOutcome.Wait(settings.RecheckInterval);

            default:
                throw new InvalidOperationException("Unhandled decision.");
        }
    }
}
