using System.Collections.Concurrent;
using ControlApi.Concurrency;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Probes;
using Hangfire;
using Microsoft.Extensions.Options;
using ControlApi.Telemetry;

namespace ControlApi.Tracking;

/// <summary>Which revisions are followed in this process right now, so a duplicate job (recovery, poll) steps aside.</summary>
public sealed class ActiveTrackers
{
    private readonly ConcurrentDictionary<string, bool> _active = new(StringComparer.Ordinal);

    public IDisposable? TryEnter(string clusterId, int revision)
    {
        var key = $"{clusterId}/{revision}";
        return _active.TryAdd(key, true) ? new Leave(_active, key) : null;
    }

    public bool IsActive(string clusterId, int revision) => _active.ContainsKey($"{clusterId}/{revision}");

    private sealed class Leave(ConcurrentDictionary<string, bool> active, string key) : IDisposable
    {
        private int _left;

        // Once only: a second call must not remove the entry of a job that took over meanwhile.
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) active.TryRemove(key, out _);
        }
    }
}

/// <summary>
/// The Hangfire <c>track</c> job: follows one committed revision Committed → Applied → RolledOut →
/// Verified, or to ReconcileFailed / RolloutStuck / VerificationFailed, stopping when a newer
/// commit supersedes it. Watches wake it within a moment of each change; a periodic re-check is
/// the safety net. Precondition: the revision is Committed (or further along, after a restart).
/// A cluster without Kubernetes access leaves the revision Committed and ends quietly.
/// </summary>
public sealed class TrackJob(
    ClusterCatalog clusters,
    KubernetesConnections connections,
    ActiveTrackers active,
    Leases leases,
    TrackingRecorder recorder,
    ReconcileRequest reconcile,
    FluxApplyStep apply,
    RolloutStep rollout,
    VerifyStep verify,
    Canary.CanaryStep canary,
    TrackScheduler scheduler,
    AutoRollback autoRollback,
    IOptions<TrackingOptions> options,
    TimeProvider time,
    ILogger<TrackJob> logger)
{
    [AutomaticRetry(Attempts = 0)] // A lost job is picked up again by the next poll of the cluster.
    [Queue(TrackScheduler.TrackQueue)]
    public async Task RunAsync(string clusterId, int revisionNumber, CancellationToken cancellationToken)
    {
        using var activity = ControlApiActivities.StartJob("track", clusterId, revisionNumber);
        if (clusters.Find(clusterId) is not { } cluster)
        {
            logger.LogWarning("Track job for unknown cluster {Cluster} ignored", clusterId);
            return;
        }
        using var turn = active.TryEnter(clusterId, revisionNumber);
        if (turn is null)
        {
            logger.LogDebug("{Cluster} revision {Revision} is already being tracked here", clusterId, revisionNumber);
            return;
        }

        // Across replicas: whoever holds the revision's lease follows it; the poll starts a tracker
        // again once a holder that died has let it lapse.
        var lease = await leases.TryAcquireAsync(LeaseNames.Track(clusterId, revisionNumber), cancellationToken);
        if (lease is null)
        {
            logger.LogDebug("{Cluster} revision {Revision} is being tracked by another replica", clusterId, revisionNumber);
            return;
        }

        string why;
        bool handOver;
        await using (lease)
        {
            ClusterConnection? connection;
            try
            {
                connection = connections.For(cluster);
            }
            catch (ClusterUnreachableException ex)
            {
                logger.LogWarning("Cannot track {Cluster} revision {Revision}: {Reason}", clusterId, revisionNumber, ex.Reason);
                return;
            }
            if (connection is null)
            {
                logger.LogInformation("{Cluster} has no Kubernetes access configured; revision {Revision} stays Committed", clusterId, revisionNumber);
                return;
            }

            using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
            try
            {
                (why, handOver) = await FollowAsync(cluster, revisionNumber, connection, work.Token);
            }
            catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Another replica may follow it now; recording anything more here could record a step twice.
                (why, handOver) = ("the lease could not be kept", false);
            }
        }
        logger.LogInformation("Stopped tracking {Cluster} revision {Revision}: {Why}", clusterId, revisionNumber, why);
        // Only after this job let go of the revision (lease and turn), or the fresh job would find it taken and leave.
        turn.Dispose();
        if (handOver) scheduler.Track(clusterId, revisionNumber);
    }

    private async Task<(string Why, bool HandOver)> FollowAsync(ManagedCluster cluster, int number, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = time.GetTimestamp();
        DateTimeOffset? unreachableSince = null;
        await using var signals = ClusterSignals.Start(connection, cluster.Profile, time, logger, cancellationToken);
        ITrackingStep[] steps = [apply, canary, rollout, verify];
        RevisionState? before = null;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await LoadAsync(cluster, number, cancellationToken) is not { } revision) return ("the revision does not exist", false);
            // This job just recorded the failure: roll back now if the cluster asks for it (the poll
            // tries again should this replica die before it could), and stop — looking again is the
            // poll's and retrack's (a recheck at once would race whatever comes to put it right).
            if (revision.Recovering && before is { } earlier && !earlier.MayRecover())
            {
                await autoRollback.AfterFailureAsync(cluster, number, cancellationToken);
                return ($"the revision is {revision.State}", false);
            }
            before = revision.State;
            ITrackingStep step;
            if (revision.Recovering)
            {
                // Looked at again, once per poll (or retrack): the step of the state it failed from
                // checks whether the cluster got there after all. Only the newest revision in the
                // repository is what the cluster should run; an older failure stays as it is.
                if (!await recorder.IsNewestInRepositoryAsync(cluster.Id, number, cancellationToken))
                    return ($"the revision is {revision.State} and a newer revision is in the repository", false);
                var failedFrom = await recorder.StateBeforeFailureAsync(revision.Id, cancellationToken);
                if (steps.FirstOrDefault(s => s.From == failedFrom) is not { } recheck) return ($"the revision is {revision.State}", false);
                step = recheck;
            }
            else if (revision.State.IsTerminal() || steps.All(s => s.From != revision.State)) return ($"the revision is {revision.State}", false);
            else step = steps.First(s => s.From == revision.State);
            if (time.GetElapsedTime(started) > settings.MaxJobDuration) return ("handed over to a fresh track job", true);

            StepOutcome outcome;
            try
            {
                var stepStarted = time.GetTimestamp();
                if (revision.State == RevisionState.Committed) await reconcile.RunAsync(revision, connection, cancellationToken);
                outcome = await step.RunAsync(revision, connection, cancellationToken);
                unreachableSince = null;
                logger.LogDebug("{Revision} {State}: {Outcome} after {Ms} ms", revision.Name, revision.State, outcome, (long)time.GetElapsedTime(stepStarted).TotalMilliseconds);
            }
            catch (ClusterUnreachableException ex)
            {
                // Nothing can be decided about a cluster that does not answer; the poll reports it
                // and starts tracking again once it answers.
                if (revision.Recovering) return ($"the revision is {revision.State} and the cluster does not answer ({ex.Reason})", false);
                unreachableSince ??= time.GetUtcNow();
                if (time.GetUtcNow() - unreachableSince > Deadline(revision.State, settings))
                    return ($"the cluster has not answered since {unreachableSince:O} ({ex.Reason})", false);
                logger.LogDebug("{Revision}: {Reason}; waiting", revision.Name, ex.Reason);
                outcome = new StepOutcome.Wait(settings.RecheckInterval);
            }

            // A failed revision the cluster has not put right yet: done until the next poll looks again.
            if (revision.Recovering && outcome is StepOutcome.Wait) return ($"the revision is still {revision.State}", false);
            // Moved: load the revision and run the next step at once; Wait: until a watch event or the re-check.
            if (outcome is StepOutcome.Wait wait) await signals.WaitAsync(wait.AtMost, cancellationToken);
        }
    }

    private static TimeSpan Deadline(RevisionState state, TrackingOptions settings) => state switch
    {
        RevisionState.Committed => settings.ApplyDeadline,
        RevisionState.Applied => settings.RolloutProgressDeadline,
        _ => settings.VerificationGracePeriod,
    };

    private async Task<TrackedRevision?> LoadAsync(ManagedCluster cluster, int number, CancellationToken cancellationToken)
    {
        var stored = await recorder.RevisionAsync(cluster.Id, number, cancellationToken);
        if (stored is null) return null;
        var state = RevisionStates.Parse(stored.State);
        var settings = SettingsJson.Parse(stored.SettingsJson).Settings
            ?? throw new InvalidOperationException($"Stored settings of revision {cluster.Id}/{number} no longer parse.");
        return new TrackedRevision(cluster, stored.Id, stored.Number, stored.CommitSha ?? "", settings, state, stored.StateChangedAt)
        {
            OpenCanary = Canary.CanaryRecords.IsOpenCanary(stored) ? Canary.CanaryRecords.Overlay(stored) : null,
        };
    }
}
