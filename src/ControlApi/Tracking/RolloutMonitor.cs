using System.Globalization;
using ControlApi.Audit;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;
using ControlApi.Data.Entities;
using ControlApi.Probes;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Follows the <c>cilium</c> DaemonSet's rollout for a revision: remembers when it last moved (on
/// the tracking row, so a restart keeps the deadline), reports each quarter of the nodes once, and
/// says when it is complete or stuck. Used after Applied, and already while Helm waits for the
/// rollout before it reports the release Ready — a stuck rollout is named as such, not as Helm's
/// timeout minutes later.
/// </summary>
public sealed class RolloutMonitor(TrackingRecorder recorder, IOptions<TrackingOptions> options, TimeProvider time)
{
    /// <summary>A moving rollout's progress is written at most this often (a quarter reached is written at once).</summary>
    private static readonly TimeSpan PersistEvery = TimeSpan.FromSeconds(1);

    // Scoped per track job: the progress as last seen, read from the tracking row once.
    private RevisionTracking? _seen;
    private DateTimeOffset _persistedAt = DateTimeOffset.MinValue;

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

    public static ObjectRef DaemonSetOf(TrackedRevision revision) =>
        new(revision.Cluster.Profile.HelmRelease.Namespace, ExpectedLiveState.AgentDaemonSetName);

    /// <summary>Reads the DaemonSet, decides, and records progress (not completion or stuck: the caller moves the state).</summary>
    /// <param name="since">When the deadline starts if the rollout has never been seen moving.</param>
    public async Task<(Decision Decision, DateTimeOffset ObservedAt)> CheckAsync(TrackedRevision revision, ClusterConnection connection, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var reference = DaemonSetOf(revision);
        var ds = await DaemonSetProbe.ReadAsync(connection, reference, cancellationToken);
        var observedAt = time.GetUtcNow();
        var progress = RolloutEvaluator.Determine(ds);
        var tracking = _seen ??= await recorder.ReadAsync(revision.Id, cancellationToken) ?? new RevisionTracking { RevisionId = revision.Id };
        var lastProgressAt = tracking.RolloutProgressAt ?? since;
        var decision = Decide(progress, tracking.RolloutSignature, lastProgressAt, tracking.RolloutQuarter, observedAt, options.Value.RolloutProgressDeadline);

        if (decision is Decision.Progressing(var moving, var moved, var quarter))
        {
            var progressAt = moved ? observedAt : lastProgressAt;
            Remember(tracking, moving, progressAt, quarter ?? tracking.RolloutQuarter);
            if (quarter is { } q)
            {
                _persistedAt = observedAt;
                await recorder.NoteAsync(revision.Id, revision.State, observedAt,
                    due: t => t.RolloutQuarter < q,
                    update: t => Remember(t, moving, observedAt, q),
                    AuditKinds.RolloutProgress,
                    string.Create(CultureInfo.InvariantCulture, $"{revision.Name}: DaemonSet {reference} rollout {q * 25}% ({moving.Detail})"),
                    new { daemonSet = reference.ToString(), moving.Generation, nodes = moving.Desired, moving.Updated, moving.Ready, moving.Available, percent = q * 25 },
                    cancellationToken);
            }
            else if (moved && observedAt - _persistedAt >= PersistEvery)
            {
                // Kept for a restart: the deadline then counts from at most a second too early.
                _persistedAt = observedAt;
                await recorder.UpdateAsync(revision.Id, observedAt, t => Remember(t, moving, progressAt, t.RolloutQuarter), cancellationToken);
            }
        }
        return (decision, observedAt);
    }

    /// <summary>Moves the revision to RolloutStuck with the DaemonSet's counters.</summary>
    public Task RecordStuckAsync(TrackedRevision revision, Decision.Stuck stuck, DateTimeOffset observedAt, CancellationToken cancellationToken)
    {
        var reference = DaemonSetOf(revision);
        var p = stuck.Progress;
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"DaemonSet {reference} made no progress for {stuck.Idle.TotalSeconds:0} s (deadline {options.Value.RolloutProgressDeadline.TotalSeconds:0} s): {p.Detail}");
        return recorder.MoveAsync(revision.Id, revision.State, RevisionState.RolloutStuck, observedAt, reason,
            AuditKinds.RolloutStuck, $"{revision.Name}: {reason}",
            new { daemonSet = reference.ToString(), p.Generation, nodes = p.Desired, p.Updated, p.Ready, p.Available, idleSeconds = (int)stuck.Idle.TotalSeconds },
            null, cancellationToken);
    }

    private static void Remember(RevisionTracking t, RolloutProgress progress, DateTimeOffset progressAt, int quarter)
    {
        t.RolloutSignature = progress.Signature;
        t.RolloutProgressAt = progressAt;
        t.RolloutQuarter = quarter;
        t.Waiting = $"rollout: {progress.Detail}";
    }
}
