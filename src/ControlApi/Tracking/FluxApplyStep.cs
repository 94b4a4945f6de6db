using System.Globalization;
using ControlApi.Audit;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;
using ControlApi.Probes;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Committed → Applied: Flux fetched the commit (or a descendant), the Kustomization applied it and
/// the HelmRelease is Ready at the generation read after that. Failure: Flux's own reason and
/// message (ReconcileFailed), or no apply within <see cref="TrackingOptions.ApplyDeadline"/>.
/// Precondition: the revision is Committed with a commit SHA.
/// </summary>
public sealed class FluxApplyStep(
    FluxProbe probe,
    CommitAncestry ancestry,
    RolloutMonitor rollout,
    TrackingRecorder recorder,
    Canary.CanaryLeftovers canaryLeftovers,
    IOptions<TrackingOptions> options,
    TimeProvider time) : ITrackingStep
{
    public RevisionState From => RevisionState.Committed;

    /// <summary>What to do with one snapshot's verdict.</summary>
    public abstract record Decision
    {
        private Decision() { }
        public sealed record Apply(FluxProgress.Applied Progress) : Decision;
        public sealed record Fail(string Reason, FluxProgress.Failed? Flux) : Decision;
        public sealed record Keep(string Waiting) : Decision;
    }

    /// <summary>Pure: the verdict, and the deadline measured from when the revision was committed.</summary>
    public static Decision Decide(FluxProgress progress, DateTimeOffset committedAt, DateTimeOffset now, TimeSpan deadline) => progress switch
    {
        FluxProgress.Applied applied => new Decision.Apply(applied),
        FluxProgress.Failed failed => new Decision.Fail($"{failed.Object} {failed.Reason}: {failed.Message}", failed),
        FluxProgress.Waiting waiting when now - committedAt > deadline =>
            new Decision.Fail(string.Create(CultureInfo.InvariantCulture, $"Flux did not apply the commit within {deadline.TotalMinutes:0.#} min: {waiting.Detail}"), null),
        FluxProgress.Waiting waiting => new Decision.Keep(waiting.Detail),
        _ => throw new ArgumentOutOfRangeException(nameof(progress), progress, "Unknown Flux progress."),
    };

    public async Task<StepOutcome> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var snapshot = await probe.ReadAsync(connection, revision.Cluster.Profile, cancellationToken);
        var observedAt = time.GetUtcNow();
        var accepted = await ancestry.AcceptedAsync(revision.Cluster, revision.Commit, snapshot.NamedCommits(), cancellationToken);
        var progress = FluxApplyEvaluator.Determine(snapshot, accepted);

        switch (Decide(progress, revision.StateSince, observedAt, settings.ApplyDeadline))
        {
            case Decision.Apply(var applied):
                // Before the move, so a job that dies in between does it again (a second delete is harmless).
                await canaryLeftovers.RestartAfterCanaryAsync(revision, connection, cancellationToken);
                // A canary's commit leaves the release as it was: what follows is restarting the
                // canary nodes' agents (Canary), not a DaemonSet rollout.
                await recorder.MoveAsync(revision.Id, revision.State, revision.OpenCanary is null ? RevisionState.Applied : RevisionState.Canary, observedAt,
                    $"Flux applied {applied.Revision}; HelmRelease Ready at generation {applied.HelmReleaseGeneration}: {applied.Detail}",
                    AuditKinds.FluxApplied,
                    $"{revision.Name}: Flux applied commit {revision.ShortCommit} ({applied.Revision}); HelmRelease {revision.Cluster.Profile.HelmRelease} Ready at generation {applied.HelmReleaseGeneration}",
                    new { commit = revision.Commit, revision = applied.Revision, helmReleaseGeneration = applied.HelmReleaseGeneration, message = applied.Detail },
                    t => t.HelmReleaseGeneration = applied.HelmReleaseGeneration, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Fail when revision.Recovering:
                return new StepOutcome.Wait(settings.RecheckInterval);

            case Decision.Fail(var reason, var flux):
                await recorder.MoveAsync(revision.Id, From, RevisionState.ReconcileFailed, observedAt, reason,
                    AuditKinds.FluxFailed, $"{revision.Name}: {reason}",
                    new { commit = revision.Commit, @object = flux?.Object.ToString(), reason = flux?.Reason, message = flux?.Message ?? reason }, null, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Keep(var waiting):
                // The Kustomization is applying C: Helm may be waiting on the DaemonSet rollout, so
                // follow it now; a stuck rollout is reported as one instead of as Helm's timeout.
                if (FluxRevision.Hash(snapshot.Kustomization.LastAttemptedRevision) is { } attempted && accepted.Contains(attempted))
                {
                    var (check, checkedAt) = await rollout.CheckAsync(revision, connection, observedAt, cancellationToken);
                    if (check is RolloutMonitor.Decision.Stuck stuck && !revision.Recovering)
                    {
                        await rollout.RecordStuckAsync(revision, stuck, checkedAt, cancellationToken);
                        return StepOutcome.Advanced;
                    }
                    if (check is RolloutMonitor.Decision.Progressing) return new StepOutcome.Wait(settings.RecheckInterval);
                }
                await recorder.NoteWaitingAsync(revision.Id, observedAt, waiting, cancellationToken);
                return new StepOutcome.Wait(settings.RecheckInterval);

            default:
                throw new InvalidOperationException("Unhandled decision.");
        }
    }
}
