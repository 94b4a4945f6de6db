using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Rendering;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.GitOps;
using ControlApi.Metrics;
using ControlApi.Persistence;
using ControlApi.Revisions;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ControlApi.Telemetry;

namespace ControlApi.Commits;

/// <summary>
/// The Hangfire <c>commit</c> job: works one cluster's outbox in revision order, rendering each
/// revision and publishing it to the GitOps repository exactly once.
/// Precondition: the revision, its outbox row and its <c>change.accepted</c> event are stored.
/// Every revision gets its own commit, in order; once a newer one is committed, older ones that
/// had not converged become <c>Superseded</c> — the history keeps every step, and Flux only ever
/// converges on the newest.
/// </summary>
public sealed class CommitJob(
    ClusterCatalog clusters,
    DataPaths paths,
    ControlApiDbContext db,
    WriteTurns writeTurns,
    ClusterTurns turns,
    AuditLog audit,
    IGitOpsRepository repository,
    Adoption.AdoptionStatus adoption,
    CommitScheduler scheduler,
    Tracking.TrackScheduler tracking,
    IOptions<CommitOptions> options,
    ControlApiMetrics metrics,
    StorageHealth storage,
    TimeProvider time,
    ILogger<CommitJob> logger)
{
    [AutomaticRetry(Attempts = 0)] // Retries are the outbox's: back-off per revision, visible in the API.
    public async Task RunAsync(string clusterId, CancellationToken cancellationToken)
    {
        using var activity = ControlApiActivities.StartJob("commit", clusterId);
        if (clusters.Find(clusterId) is not { } cluster)
        {
            logger.LogWarning("Commit job for unknown cluster {Cluster} ignored; it is no longer configured", clusterId);
            return;
        }

        scheduler.Started(clusterId);
        try
        {
            await WorkAsync(cluster, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.Classify(ex) is { } fault && !cancellationToken.IsCancellationRequested)
        {
            // Storage that takes no writes cannot record this either: the revision keeps its stored
            // reason, so the fault is reported (/readyz, and the reason of waiting revisions, see
            // RevisionReader) and the job comes back within StorageHealth.Memory to report it again
            // while it lasts. A push already made is found by its trailer then (exactly once).
            storage.Report(fault);
            var retryAt = time.GetUtcNow() + TimeSpan.FromTicks(Math.Min(fault.RetryAfter.Ticks, (StorageHealth.Memory / 2).Ticks));
            logger.LogWarning(ex, "Commits of {Cluster} wait for storage: {Fault} Retrying at {RetryAt}", clusterId, fault.What, retryAt);
            scheduler.ScheduleAt(clusterId, retryAt);
        }
    }

    private async Task WorkAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        var clusterId = cluster.Id;
        await using var turn = await turns.EnterAsync(clusterId, cancellationToken);
        if (turn is null) return; // another replica commits this cluster; a follow-up is scheduled
        // A lease that cannot be kept stops the work before another replica could start the same commit.
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, turn.Lost);
        cancellationToken = work.Token;
        while (!cancellationToken.IsCancellationRequested)
        {
            var message = await db.Outbox
                .Where(m => m.ClusterId == clusterId && m.ProcessedAt == null)
                .OrderBy(m => m.RevisionNumber)
                .FirstOrDefaultAsync(cancellationToken);
            if (message is null) return;
            if (message.NextAttemptAt is { } due && due > time.GetUtcNow())
            {
                scheduler.ScheduleAt(clusterId, due);
                return;
            }

            var revision = await db.Revisions.Include(r => r.Timeline).SingleAsync(r => r.Id == message.RevisionId, cancellationToken);

            // The change may have been accepted while the repository could not be read: never write
            // over a release ControlApi did not write (it is only read while nothing is managed yet).
            if (await adoption.GetAsync(cluster, fresh: true, cancellationToken) is Adoption.AdoptionState.Unadopted unadopted)
            {
                await RecordFinalFailureAsync(message, revision, unadopted.Reason, cancellationToken);
                continue;
            }

            var started = time.GetTimestamp();
            var managed = await adoption.IsManagedAsync(clusterId, cancellationToken);
            ManifestCommit commit;
            try
            {
                var prepared = await PrepareAsync(cluster, revision, managed, cancellationToken);
                if (prepared.RefusedByRules is { } refused)
                {
                    await RecordFinalFailureAsync(message, revision, refused, cancellationToken);
                    continue;
                }
                commit = prepared.Commit!;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Deterministic: the same stored revision renders the same way every time, so retrying
                // would only hold every later revision behind it. It ends here, once, with the reason.
                logger.LogError(ex, "Revision {Cluster}/{Revision} cannot be rendered", revision.ClusterId, revision.Number);
                await RecordFinalFailureAsync(message, revision,
                    $"The revision cannot be rendered ({ex.GetType().Name}: {ex.Message}); retrying cannot help. Later revisions go on; make a new change or roll back to a revision that renders.", cancellationToken);
                continue;
            }

            var result = await PublishAsync(cluster, revision, commit, cancellationToken);
            if (result.Outcome == PublishOutcome.Refused)
            {
                await RecordFinalFailureAsync(message, revision,
                    $"{result.Reason} Adopt it first with POST {Adoption.AdoptionLinks.Adopt(clusterId)}: ControlApi then takes over its values instead of overwriting them.", cancellationToken);
                continue;
            }
            metrics.RecordCommit(clusterId, result.Outcome switch
            {
                PublishOutcome.Failed or PublishOutcome.Refused => MetricOutcomes.Failed,
                PublishOutcome.NoChange => MetricOutcomes.NoChange,
                _ => MetricOutcomes.Committed,
            }, time.GetElapsedTime(started));
            if (result.Outcome == PublishOutcome.Failed)
            {
                await RecordFailureAsync(message, revision, result, cancellationToken);
                return;
            }

            await RecordPublishedAsync(message, revision, result, cancellationToken);
        }
    }

    private async Task<PublishResult> PublishAsync(ManagedCluster cluster, Revision revision, ManifestCommit commit, CancellationToken cancellationToken)
    {
        try
        {
            return await repository.PublishAsync(GitOpsTargets.For(cluster, paths), commit, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The repository answers its own failures as results; anything else (a disk, a process) may pass: retry like an outage.
            logger.LogError(ex, "Publishing revision {Cluster}/{Revision} failed", revision.ClusterId, revision.Number);
            return new PublishResult(PublishOutcome.Failed, null, $"ControlApi could not publish the revision ({ex.GetType().Name}: {ex.Message}); it retries with back-off.", 0);
        }
    }

    /// <summary>What goes into the commit, or why today's rules refuse the revision.</summary>
    private sealed record Prepared(ManifestCommit? Commit, string? RefusedByRules);

    private async Task<Prepared> PrepareAsync(ManagedCluster cluster, Revision revision, bool managed, CancellationToken cancellationToken)
    {
        var settings = Settings(revision);
        var previous = await PreviousSettingsAsync(revision, cancellationToken);
        if (RulesNowRefuse(cluster, revision, settings, previous) is { } refused) return new Prepared(null, refused);
        // An open canary keeps the release of the revision before it (what every node runs) and adds
        // the CiliumNodeConfig for its nodes; once promoted, the same revision renders cluster-wide.
        var canary = Canary.CanaryRecords.IsOpenCanary(revision);
        var rendered = canary
            ? ManifestRenderer.Render(cluster.Profile, previous, Canary.CanaryRecords.Overlay(revision))
            : ManifestRenderer.Render(cluster.Profile, settings);
        var phrases = revision.Source == AuditSources.Adopt ? ["adopt the Cilium release the cluster runs"] : SettingsChanges.Phrases(previous, settings).ToList();
        if (canary) phrases.Insert(0, $"canary on {revision.CanarySelector}");
        else if (revision.PromotedAt is not null) phrases.Insert(0, "promote the canary");
        return new Prepared(new ManifestCommit(
            rendered.Files,
            rendered.OwnedPaths,
            new CommitMessage
            {
                Step = revision.PromotedAt is not null ? "promote" : null,
                Changes = phrases,
                Values = revision.ValueChangesJson is null ? [] :
                    (System.Text.Json.JsonSerializer.Deserialize<List<Core.Values.ValueChange>>(revision.ValueChangesJson, ApiJson.Options) ?? []).Select(v => v.ToString()).ToList(),
                ClusterId = cluster.Id,
                Revision = revision.Number,
                Author = revision.Author,
                OnBehalfOf = revision.OnBehalfOf,
                Reason = revision.Reason,
                RollbackTo = revision.RollbackTo,
            },
            new GitAuthor(cluster.GitOps.AuthorName, cluster.GitOps.AuthorEmail))
        {
            // Until ControlApi manages the cluster, the branch it builds on must not hold someone else's release.
            RefuseForeign = managed ? null : ManifestRenderer.CiliumFilePath(cluster.Profile, ManifestRenderer.ReleaseFile),
        }, null);
    }

    /// <summary>
    /// The rules are checked again at commit time: a revision accepted under looser rules (an older
    /// ControlApi, or a cluster whose Talos facts — pod subnets, version — were reconfigured since) is
    /// not pushed once today's rules say it can break the cluster. Deterministic, so it fails once.
    /// Checked against the revision before it, as at acceptance (numbers are gap-free and each change
    /// is validated against the one before). Adopted revisions are exempt: they record what the
    /// cluster already runs, errors included (see ClusterAdoption). The chart's own value checks need
    /// the chart (a download); those stay with the change path.
    /// </summary>
    private static string? RulesNowRefuse(ManagedCluster cluster, Revision revision, CiliumSettings settings, CiliumSettings previous)
    {
        if (revision.Source == AuditSources.Adopt) return null;
        // Without the chart, extra values that changed cannot be judged: not a refusal (they were judged at acceptance).
        var broken = Core.Validation.SettingsValidator.Validate(cluster.Profile, settings, previous).Errors
            .Where(e => e.Code != Core.Validation.ValidationCodes.ChartSchemaUnavailable).ToList();
        if (broken.Count == 0) return null;
        var errors = string.Join("; ", broken.Select(e => $"{e.Code} at {e.Pointer}: {e.Message}"));
        return $"Today's rules refuse this revision, accepted under earlier rules or cluster facts ({errors}); retrying cannot help. "
            + $"Later revisions go on; make a new change that passes today's rules (PUT {RevisionLinks.Desired(cluster.Id)}) or roll back to a revision that does.";
    }

    private async Task RecordPublishedAsync(OutboxMessage message, Revision revision, PublishResult result, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(revision.ClusterId), cancellationToken);
        if (await RecordedElsewhereAsync(message, revision, cancellationToken)) return;
        var now = time.GetUtcNow();
        message.ProcessedAt = now;
        message.LastError = null;

        if (result.Outcome == PublishOutcome.NoChange)
        {
            RevisionLifecycle.MoveTo(revision, RevisionState.NoChange, now, "The repository already holds exactly these files.");
            revision.CommitSha = null;
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.ChangeNoop, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
                $"{revision.ClusterId} revision {revision.Number}: the repository already holds these files, nothing to commit",
                new { head = result.CommitSha }), cancellationToken);
        }
        else
        {
            revision.CommitSha = result.CommitSha;
            RevisionLifecycle.MoveTo(revision, RevisionState.Committed, now, $"Commit {Short(result.CommitSha)} pushed.");
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.GitCommitted, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
                $"{revision.ClusterId} revision {revision.Number} committed as {Short(result.CommitSha)}",
                new { commit = result.CommitSha, attempts = result.Attempts, recovered = result.Outcome == PublishOutcome.AlreadyCommitted }), cancellationToken);
            await SupersedeOlderAsync(revision, now, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);
        logger.LogInformation("Revision {Cluster}/{Revision} is {State} ({Commit})", revision.ClusterId, revision.Number, revision.State, result.CommitSha);
        if (result.Outcome != PublishOutcome.NoChange) tracking.Track(revision.ClusterId, revision.Number);
    }

    /// <summary>
    /// Another replica's job may have pushed and recorded this revision while this one worked on it
    /// (the publisher then found it in the repository, or lost the push race and failed). Read inside
    /// the cluster's write turn, the answer is final: a recorded revision stays recorded once, by that
    /// replica, and is not overwritten from this job's stale copy (e.g. Committed back to CommitFailed).
    /// </summary>
    private async Task<bool> RecordedElsewhereAsync(OutboxMessage message, Revision revision, CancellationToken cancellationToken)
    {
        await db.Entry(message).ReloadAsync(cancellationToken);
        if (message.ProcessedAt is null) return false;
        await db.Entry(revision).ReloadAsync(cancellationToken);
        logger.LogInformation("Revision {Cluster}/{Revision} was recorded by another replica", revision.ClusterId, revision.Number);
        return true;
    }

    private async Task SupersedeOlderAsync(Revision committed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A verified canary that was not promoted too: the newer commit renders without its CiliumNodeConfig.
        var converging = RevisionStates.SupersedableNames;
        var older = await db.Revisions.Include(r => r.Timeline)
            .Where(r => r.ClusterId == committed.ClusterId && r.Number < committed.Number && converging.Contains(r.State))
            .ToListAsync(cancellationToken);
        foreach (var revision in older)
        {
            RevisionLifecycle.MoveTo(revision, RevisionState.Superseded, now, $"Revision {committed.Number} was committed before this one converged.");
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.RevisionSuperseded, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
                $"{revision.ClusterId} revision {revision.Number} superseded by revision {committed.Number}",
                new { supersededBy = committed.Number }), cancellationToken);
        }
    }

    private async Task RecordFailureAsync(OutboxMessage message, Revision revision, PublishResult result, CancellationToken cancellationToken)
    {
        var reason = result.Reason ?? "The GitOps repository could not be reached.";
        DateTimeOffset retryAt;
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(revision.ClusterId), cancellationToken))
        {
            if (await RecordedElsewhereAsync(message, revision, cancellationToken)) return;
            var now = time.GetUtcNow();
            message.Attempts++;
            message.LastError = reason;
            retryAt = now + options.Value.RetryDelay(message.Attempts);
            message.NextAttemptAt = retryAt;
            // Audit the failure when it starts or its reason changes, not on every retry of the same outage.
            if (RevisionLifecycle.MoveTo(revision, RevisionState.CommitFailed, now, reason))
            {
                await audit.AppendAsync(db, new AuditEntry(AuditKinds.GitPushFailed, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
                    $"{revision.ClusterId} revision {revision.Number} not pushed: {reason}",
                    new { reason, attempts = message.Attempts, retryAt }), cancellationToken);
            }
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        logger.LogWarning("Revision {Cluster}/{Revision} not pushed (attempt {Attempts}): {Reason}; retrying at {RetryAt}",
            revision.ClusterId, revision.Number, message.Attempts, reason, retryAt);
        scheduler.ScheduleAt(revision.ClusterId, retryAt);
    }

    /// <summary>
    /// Deterministic failures (a release someone else wrote, a revision that cannot be rendered):
    /// retrying cannot help, so the revision ends here, once, and later revisions are not held up.
    /// </summary>
    private async Task RecordFinalFailureAsync(OutboxMessage message, Revision revision, string reason, CancellationToken cancellationToken)
    {
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(revision.ClusterId), cancellationToken))
        {
            if (await RecordedElsewhereAsync(message, revision, cancellationToken)) return;
            var now = time.GetUtcNow();
            message.ProcessedAt = now;
            message.LastError = reason;
            var why = RevisionLifecycle.NotRetried + reason;
            if (RevisionLifecycle.MoveTo(revision, RevisionState.CommitFailed, now, why))
            {
                await audit.AppendAsync(db, new AuditEntry(AuditKinds.GitPushFailed, revision.ClusterId, revision.Number, AuditSources.System, AuditSources.System,
                    $"{revision.ClusterId} revision {revision.Number} not pushed, not retried: {reason}",
                    new { reason = why, final = true }), cancellationToken);
            }
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        logger.LogWarning("Revision {Cluster}/{Revision} not committed and not retried: {Reason}", revision.ClusterId, revision.Number, reason);
    }

    private async Task<CiliumSettings> PreviousSettingsAsync(Revision revision, CancellationToken cancellationToken)
    {
        var json = await db.Revisions.AsNoTracking()
            // The revision before that took effect: a held, expired or rejected request in between never did.
            .Where(r => r.ClusterId == revision.ClusterId && r.Number < revision.Number && !RevisionStates.NeverInEffectNames.Contains(r.State))
            .OrderByDescending(r => r.Number)
            .Select(r => r.SettingsJson)
            .FirstOrDefaultAsync(cancellationToken);
        return json is null ? CiliumSettings.Defaults : SettingsJson.Parse(json).Settings ?? CiliumSettings.Defaults;
    }

    private static CiliumSettings Settings(Revision revision) =>
        SettingsJson.Parse(revision.SettingsJson).Settings
        ?? throw new InvalidOperationException($"Stored settings of revision {revision.ClusterId}/{revision.Number} no longer parse.");

    private static string Short(string? sha) => CommitIds.Short(sha);
}
