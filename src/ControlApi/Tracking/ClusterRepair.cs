using ControlApi.Audit;
using ControlApi.Concurrency;
using ControlApi.Configuration;
using ControlApi.Core.Observation;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Probes;
using Hangfire;
using Microsoft.Extensions.Options;
using ControlApi.Telemetry;

namespace ControlApi.Tracking;

/// <summary>What asking Flux to re-apply the release came to.</summary>
public abstract record RepairOutcome
{
    private RepairOutcome() { }
    public sealed record NotConnected : RepairOutcome;
    public sealed record Unreachable(string Reason) : RepairOutcome;
    public sealed record Requested(string Stamp) : RepairOutcome;
}

/// <summary>
/// <c>POST /clusters/{c}/repair</c> (operator) and chat's <c>repair</c>: drift in <c>cilium-config</c>
/// (a hand edit, or objects left behind by a failed upgrade) is put right the way an operator would
/// with <c>flux reconcile hr --force</c> — <c>requestedAt</c> and <c>forceAt</c> on the HelmRelease —
/// audited (<c>repair.requested</c>) and followed by <see cref="RepairJob"/> to the end.
/// </summary>
public sealed class ClusterRepair(
    KubernetesConnections connections,
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    TrackScheduler scheduler,
    TimeProvider time)
{
    /// <param name="person">The person behind the actor (a chat user), for the audit's person filter.</param>
    public async Task<RepairOutcome> ApplyAsync(ManagedCluster cluster, string actor, string source, string? reason, CancellationToken cancellationToken, string? person = null)
    {
        ClusterConnection? connection;
        string stamp;
        var now = time.GetUtcNow();
        try
        {
            connection = connections.For(cluster);
            if (connection is null) return new RepairOutcome.NotConnected();
            stamp = await FluxProbe.RequestForcedUpgradeAsync(connection, cluster.Profile.HelmRelease, now, cancellationToken);
        }
        catch (ClusterUnreachableException ex)
        {
            return new RepairOutcome.Unreachable(ex.Reason);
        }

        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.RepairRequested, cluster.Id, null, actor, source,
                $"{cluster.Id}: asked Flux to re-apply {cluster.Profile.HelmRelease} (forced upgrade){(string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}")}",
                new { helmRelease = cluster.Profile.HelmRelease.ToString(), requestedAt = stamp, reason }, person), cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        scheduler.FollowRepair(cluster.Id, stamp, now);
        return new RepairOutcome.Requested(stamp);
    }
}

/// <summary>
/// Follows a forced re-apply until helm-controller handled it and the release is Ready (or failed,
/// or the apply deadline passed), records <c>repair.completed</c> or <c>repair.failed</c> once, and
/// polls the cluster at once so the drift it cleared is reported (<c>drift.cleared</c>).
/// </summary>
public sealed class RepairJob(
    ClusterCatalog clusters,
    KubernetesConnections connections,
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    TrackScheduler scheduler,
    IOptions<TrackingOptions> options,
    TimeProvider time,
    ILogger<RepairJob> logger)
{
    [AutomaticRetry(Attempts = 0)] // A lost follow-up only loses its verdict; the poll still reports the drift.
    [Queue(TrackScheduler.TrackQueue)]
    public async Task RunAsync(string clusterId, string stamp, DateTimeOffset requestedAt, CancellationToken cancellationToken)
    {
        using var activity = ControlApiActivities.StartJob("repair", clusterId);
        if (clusters.Find(clusterId) is not { } cluster) return;
        RepairVerdict verdict;
        try
        {
            if (connections.For(cluster) is not { } connection) return;
            await using var signals = ClusterSignals.Start(connection, cluster.Profile, time, logger, cancellationToken);
            while (true)
            {
                var release = await FluxProbe.ReadAsync(connection, FluxKind.HelmRelease, ApiResources.HelmRelease, cluster.Profile.HelmRelease, cancellationToken);
                verdict = RepairProgress.Decide(release, stamp, requestedAt, time.GetUtcNow(), options.Value.ApplyDeadline);
                if (verdict is not RepairVerdict.Waiting) break;
                await signals.WaitAsync(options.Value.RecheckInterval, cancellationToken);
            }
        }
        catch (ClusterUnreachableException ex)
        {
            verdict = new RepairVerdict.Failed($"the cluster stopped answering ({ex.Reason})");
        }

        var (kind, summary) = verdict switch
        {
            RepairVerdict.Done done => (AuditKinds.RepairCompleted, $"{clusterId}: Flux re-applied {cluster.Profile.HelmRelease}: {done.Detail}"),
            RepairVerdict.Failed failed => (AuditKinds.RepairFailed, $"{clusterId}: re-applying {cluster.Profile.HelmRelease} did not finish: {failed.Reason}"),
            _ => throw new InvalidOperationException("Unhandled repair verdict."),
        };
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            await audit.AppendAsync(db, new AuditEntry(kind, clusterId, null, AuditSources.System, AuditSources.System, summary,
                new { helmRelease = cluster.Profile.HelmRelease.ToString(), requestedAt = stamp }), cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        logger.LogInformation("Repair of {Cluster}: {Summary}", clusterId, summary);
        // The poll judges cilium-config against the desired settings and reports drift.cleared.
        scheduler.PollNow(clusterId, reconcileRequestedBy: null);
    }
}
