using ControlApi.Audit;
using ControlApi.Core.Revisions;
using ControlApi.Probes;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Applied → RolledOut: the <c>cilium</c> DaemonSet observed its newest generation and runs an
/// updated, ready, available pod on every node. Each quarter of the nodes updated is one
/// <c>rollout.progress</c> event (bounded however big the cluster); a rollout that does not move
/// for <see cref="TrackingOptions.RolloutProgressDeadline"/> is RolloutStuck.
/// Precondition: the revision is Applied.
/// </summary>
public sealed class RolloutStep(RolloutMonitor monitor, TrackingRecorder recorder, IOptions<TrackingOptions> options) : ITrackingStep
{
    public RevisionState From => RevisionState.Applied;

    public async Task<StepOutcome> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var (decision, observedAt) = await monitor.CheckAsync(revision, connection, revision.StateSince, cancellationToken);
        var reference = RolloutMonitor.DaemonSetOf(revision);
        switch (decision)
        {
            case RolloutMonitor.Decision.Complete(var done):
                await recorder.MoveAsync(revision.Id, revision.State, RevisionState.RolledOut, observedAt,
                    $"DaemonSet {reference} rolled out at generation {done.Generation}: {done.Detail}",
                    AuditKinds.RolloutCompleted, $"{revision.Name}: DaemonSet {reference} rolled out on all {done.Desired} nodes",
                    new { daemonSet = reference.ToString(), generation = done.Generation, nodes = done.Desired, done.Updated, done.Ready, done.Available },
                    t => { t.RolloutSignature = done.Signature; t.RolloutProgressAt = observedAt; }, cancellationToken);
                return StepOutcome.Advanced;

            case RolloutMonitor.Decision.Stuck stuck when !revision.Recovering:
                await monitor.RecordStuckAsync(revision, stuck, observedAt, cancellationToken);
                return StepOutcome.Advanced;

            default:
                return new StepOutcome.Wait(options.Value.RecheckInterval);
        }
    }
}
