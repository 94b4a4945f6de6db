using System.Collections.Concurrent;
using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Data;
using ControlApi.Metrics;
using ControlApi.Probes;
using ControlApi.Concurrency;
using ControlApi.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using ControlApi.Telemetry;

namespace ControlApi.Tracking;

/// <summary>One poll per cluster at a time in this process; a second request waits and then looks again.</summary>
public sealed class PollTurns
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);

    public Task<IDisposable> EnterAsync(string clusterId, CancellationToken cancellationToken) =>
        Turn.TakeAsync(_turns.GetOrAdd(clusterId, _ => new SemaphoreSlim(1, 1)), cancellationToken);
}

/// <summary>
/// The recurring Hangfire <c>poll</c> job of one cluster (also run on <c>POST /reconcile</c>):
/// observes the cluster, judges it against the revision that is in the repository, stores the
/// snapshot and audits only what changed (drift, reachability, leftovers) plus a heartbeat. It is
/// also the tracker's recovery: a converging revision nobody follows here gets a track job.
/// Precondition: none; a cluster without Kubernetes access is skipped.
/// </summary>
public sealed class PollJob(
    ClusterCatalog clusters,
    KubernetesConnections connections,
    ClusterObserver observer,
    ObservationRecorder recorder,
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    PollTurns turns,
    ActiveTrackers trackers,
    Leases leases,
    TrackScheduler scheduler,
    AutoRollback autoRollback,
    Microsoft.Extensions.Options.IOptions<TrackingOptions> options,
    Canary.CanarySoak soak,
    ControlApiMetrics metrics,
    TimeProvider time,
    ILogger<PollJob> logger)
{
    // Scheduled: waiting for its change window; held, expired or rejected ones never took effect: the
    // cluster is not meant to run them (no drift against them).
    private static readonly string[] NotInRepository =
        [nameof(RevisionState.Accepted), nameof(RevisionState.CommitFailed), nameof(RevisionState.Scheduled), .. RevisionStates.NeverInEffectNames];

    /// <param name="reconcileRequestedBy">Set by <c>POST /reconcile</c>: ask Flux to reconcile first, audited as this caller.</param>
    [AutomaticRetry(Attempts = 0)] // The next interval is the retry.
    public async Task RunAsync(string clusterId, string? reconcileRequestedBy, CancellationToken cancellationToken)
    {
        using var activity = ControlApiActivities.StartJob("poll", clusterId);
        if (clusters.Find(clusterId) is not { } cluster) return;
        logger.LogDebug("Poll of {Cluster} waiting for its turn", clusterId);
        using var turn = await turns.EnterAsync(clusterId, cancellationToken);
        // Across replicas: a scheduled poll another replica is already doing is simply done; a
        // requested reconcile waits for that poll (with back-off) and then looks again itself.
        await using var lease = reconcileRequestedBy is null
            ? await leases.TryAcquireAsync(LeaseNames.Poll(clusterId), cancellationToken)
            : await leases.AcquireAsync(LeaseNames.Poll(clusterId), leases.Duration * 2, cancellationToken);
        if (lease is null)
        {
            logger.LogDebug("Poll of {Cluster} is running on another replica", clusterId);
            return;
        }
        logger.LogDebug("Poll of {Cluster} started", clusterId);

        ClusterConnection? connection = null;
        ClusterObservation observation;
        try
        {
            connection = connections.For(cluster);
            if (connection is null) return;
            if (reconcileRequestedBy is not null) await RequestReconcileAsync(cluster, connection, reconcileRequestedBy, cancellationToken);
            observation = await observer.ObserveAsync(connection, cluster.Profile, time.GetUtcNow().ToUnixTimeSeconds() / 60, cancellationToken);
        }
        catch (ClusterUnreachableException ex)
        {
            observation = new ClusterObservation(time.GetUtcNow(), ex.Reason);
        }

        logger.LogDebug("Poll of {Cluster} observed: {Problem}", clusterId, observation.Problem);
        var desired = await DesiredAsync(clusterId, cancellationToken);
        var (snapshot, facts) = Judge(cluster.Profile, observation, desired);
        if (desired.Settings?.HostFirewall.Auditing == true && observation.Reachable && connection is not null)
            snapshot = snapshot with { HostFirewallAudit = await CollectAuditAsync(cluster, connection, cancellationToken) };
        var changes = await recorder.RecordAsync(clusterId, observation.ObservedAt, snapshot, facts, cancellationToken);
        metrics.RecordPoll(clusterId, observation.Reachable ? MetricOutcomes.Reached : MetricOutcomes.Unreachable, observation.Duration);
        // Drift is known only when it could be judged (ConfigMap read, nothing rolling out); else the last value stands.
        if (facts.Drift is { } drift) metrics.RecordDrift(clusterId, drift.Count);
        logger.LogInformation("Polled {Cluster}: {Summary} ({Requests} requests, {Execs} execs, {Ms} ms; {Changes} change(s))",
            clusterId, snapshot.Summary(), observation.Requests, observation.Execs, (long)observation.Duration.TotalMilliseconds, changes.Count);

        // A failed newest revision is rolled back if the cluster asks for it (again, should the
        // replica whose tracker recorded the failure have died before it could).
        if (desired.Recovering is { } failed) await autoRollback.AfterFailureAsync(cluster, failed, cancellationToken);
        // A verified canary that has soaked long enough is promoted, when the cluster says so.
        await soak.PromoteDueAsync(cluster, cancellationToken);
        // The newest revision in the repository that failed is looked at again on each poll: if the
        // cluster got there after all (Flux retried, agents converged late), its tracker moves it on.
        if (observation.Reachable)
            foreach (var number in desired.Converging.Append(desired.Recovering ?? 0).Where(n => n > 0 && !trackers.IsActive(clusterId, n)))
                // A tracker on another replica holds the revision's lease until it stops renewing.
                if (!await leases.IsHeldAsync(LeaseNames.Track(clusterId, number), cancellationToken))
                    scheduler.Track(clusterId, number);
    }

    /// <summary>
    /// The revision whose files are in the repository, the revisions still converging, and the
    /// newest revision in the repository when it failed in a way the cluster may still put right.
    /// </summary>
    public sealed record Desired(int? Number, CiliumSettings? Settings, IReadOnlyList<int> Converging, int? Recovering = null);

    /// <summary>Pure: the snapshot to store and the facts the audit is judged on.</summary>
    public static (ObservationSnapshot Snapshot, ClusterFacts Facts) Judge(Core.Clusters.ClusterProfile profile, ClusterObservation o, Desired desired)
    {
        var expected = desired.Settings is { } settings ? ExpectedLiveState.From(profile, settings, o.Keys?.Nodes is > 0 ? o.Keys.Nodes : null) : null;
        string? notEvaluated = !o.ConfigRead ? "the ConfigMap could not be read"
            : expected is null ? "no revision has been committed yet"
            : desired.Converging.Count > 0 ? $"revision {string.Join(", ", desired.Converging)} is still rolling out"
            : null;
        var drift = notEvaluated is null ? ConfigMapDriftEvaluator.Compare(expected!.ConfigKeys, o.Config ?? new Dictionary<string, string>()) : null;
        var leftovers = o.Reachable && o.Leftovers is { } found
            ? MigrationLeftoverEvaluator.Find(found.DaemonSets, found.UnmanagedPods, found.TotalUnmanagedPods, o.Agents, LeftoverProbe.MaxPodsNamed)
            : null;
        var agentViews = o.Agents.Select(a => AgentView.From(a, expected)).ToList();

        var snapshot = new ObservationSnapshot(
            o.Reachable, o.Problem, desired.Number, desired.Converging,
            o.Flux is { } flux ? [FluxObjectView.From(flux.GitRepository), FluxObjectView.From(flux.Kustomization), FluxObjectView.From(flux.HelmRelease)] : [],
            o.DaemonSet is { Found: true } ds ? RolloutView.From(ds) : null,
            new ConfigView($"{profile.HelmRelease.Namespace}/{ExpectedLiveState.ConfigMapName}", o.Config is not null, drift is not null, notEvaluated,
                drift?.Select(DriftView.From).ToList() ?? []),
            new AgentsView(o.AgentPods, o.Agents.Count, agentViews.Count(a => a.Error is null && a.Mismatches.Count == 0), agentViews),
            o.Keys is { } keys ? new WireGuardView(keys.Nodes, keys.NodesWithKey, keys.NodesWithoutKey.Take(20).ToList()) : null,
            o.HubbleUi is { } ui ? new HubbleUiView(ui.Service, ui.Type, ui.Exposed, ui.Addresses, ui.Hostname) : null,
            leftovers?.Select(LeftoverView.From).ToList() ?? [],
            LiveFeatures.From(o.ConfigRead ? o.Config : null, o.HubbleUiRead ? o.HubbleUi is not null : null),
            new CostView(o.Requests, o.Execs, (long)o.Duration.TotalMilliseconds));
        return (snapshot, new ClusterFacts(o.Reachable, o.Problem, drift, leftovers) { HelmFailure = o.Flux?.HelmRelease.HelmFailure() });
    }

    /// <summary>The host firewall's would-be drops of the audit window; null when the agents could not be listed.</summary>
    private async Task<HostFirewall.AuditCollection?> CollectAuditAsync(ManagedCluster cluster, ClusterConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return await HostFirewall.HostFirewallAuditProbe.CollectAsync(connection, cluster.Profile.HelmRelease.Namespace,
                options.Value.HostFirewallAuditWindow, time, cancellationToken);
        }
        catch (ClusterUnreachableException ex)
        {
            logger.LogWarning("Could not collect the host firewall's AUDIT verdicts of {Cluster}: {Reason}", cluster.Id, ex.Reason);
            return null;
        }
    }

    private async Task<Desired> DesiredAsync(string clusterId, CancellationToken cancellationToken)
    {
        var inRepository = await db.Revisions.AsNoTracking()
            .Where(r => r.ClusterId == clusterId && !NotInRepository.Contains(r.State))
            .OrderByDescending(r => r.Number)
            .Select(r => new { r.Number, r.SettingsJson, r.State, OpenCanary = r.CanarySelector != null && r.PromotedAt == null })
            .FirstOrDefaultAsync(cancellationToken);
        // An open canary's commit leaves cilium-config as the revision before it wrote it (only its
        // nodes run the change, through their CiliumNodeConfig): that is what drift is judged against.
        var settingsJson = inRepository is { OpenCanary: true }
            ? await db.Revisions.AsNoTracking().Where(r => r.ClusterId == clusterId && r.Number == inRepository.Number - 1).Select(r => r.SettingsJson).FirstOrDefaultAsync(cancellationToken)
                ?? SettingsJson.Serialize(CiliumSettings.Defaults)
            : inRepository?.SettingsJson;
        var converging = await db.Revisions.AsNoTracking()
            .Where(r => r.ClusterId == clusterId && RevisionStates.ConvergingNames.Contains(r.State))
            .OrderBy(r => r.Number).Select(r => r.Number).ToListAsync(cancellationToken);
        return new Desired(inRepository?.Number, settingsJson is null ? null : SettingsJson.Parse(settingsJson).Settings, converging,
            inRepository is not null && RevisionStates.Parse(inRepository.State).MayRecover() ? inRepository.Number : null);
    }

    private async Task RequestReconcileAsync(ManagedCluster cluster, ClusterConnection connection, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stamp = await ReconcileRequest.RequestAsync(connection, cluster.Profile, now, cancellationToken);
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.FluxReconcileRequested, cluster.Id, null, actor, AuditSources.Api,
            $"{cluster.Id}: asked Flux to reconcile {cluster.Profile.GitRepository} and {cluster.Profile.Kustomization} now",
            new { gitRepository = cluster.Profile.GitRepository.ToString(), kustomization = cluster.Profile.Kustomization.ToString(), requestedAt = stamp }), cancellationToken);
        await turn.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }
}
