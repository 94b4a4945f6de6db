using System.Text.Json;
using ControlApi.Audit;
using ControlApi.Core.Observation;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// Stores a poll's snapshot and audits what changed since the audit last heard about the cluster,
/// judged against the stored <see cref="ClusterObservationState"/> in the same transaction — so
/// identical polls add nothing, and a restart or reconnect cannot repeat an event.
/// </summary>
public sealed class ObservationRecorder(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit, IOptions<TrackingOptions> options)
{
    public async Task<IReadOnlyList<ObservedChange>> RecordAsync(string clusterId, DateTimeOffset observedAt, ObservationSnapshot snapshot, ClusterFacts facts, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(clusterId), cancellationToken);
        try
        {
            var state = await db.ClusterObservationStates.SingleOrDefaultAsync(s => s.ClusterId == clusterId, cancellationToken);
            if (state is null)
            {
                state = new ClusterObservationState { ClusterId = clusterId };
                db.ClusterObservationStates.Add(state);
            }

            var remembered = new RememberedFacts(state.Reachable, Strings(state.DriftJson), Strings(state.LeftoversJson), state.LastHeartbeatAt);
            var (changes, next) = ObservationChanges.Between(remembered, facts, observedAt, options.Value.HeartbeatInterval);
            state.Reachable = next.Reachable;
            state.DriftJson = JsonSerializer.Serialize(next.Drift);
            state.LeftoversJson = JsonSerializer.Serialize(next.Leftovers);
            state.LastHeartbeatAt = next.LastHeartbeatAt;
            state.LastObservedAt = observedAt;

            db.Observations.Add(new Observation
            {
                ClusterId = clusterId,
                ObservedAt = observedAt,
                Reachable = snapshot.Reachable,
                Summary = snapshot.Summary(),
                SnapshotJson = snapshot.ToJson(),
            });

            foreach (var change in changes)
                await audit.AppendAsync(db, new AuditEntry(KindOf(change.Kind), clusterId, snapshot.DesiredRevision, AuditSources.System, AuditSources.System,
                    $"{clusterId}: {change.Summary}", Details(change, snapshot)), cancellationToken);

            await db.SaveChangesAsync(cancellationToken);
            await PruneAsync(clusterId, cancellationToken);
            await turn.CommitAsync(cancellationToken);
            return changes;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    public static string KindOf(ObservedChangeKind kind) => kind switch
    {
        ObservedChangeKind.ClusterUnreachable => AuditKinds.ClusterUnreachable,
        ObservedChangeKind.ClusterReachable => AuditKinds.ClusterReachable,
        ObservedChangeKind.DriftDetected => AuditKinds.DriftDetected,
        ObservedChangeKind.DriftCleared => AuditKinds.DriftCleared,
        ObservedChangeKind.LeftoverFound => AuditKinds.MigrationLeftover,
        ObservedChangeKind.Heartbeat => AuditKinds.PollHeartbeat,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown change."),
    };

    private static object Details(ObservedChange change, ObservationSnapshot snapshot) => change.Kind switch
    {
        ObservedChangeKind.ClusterUnreachable => new { problem = change.Problem },
        ObservedChangeKind.DriftDetected => new { configMap = snapshot.Config.Name, drift = change.Drift.Select(DriftView.From), cause = change.Cause },
        ObservedChangeKind.DriftCleared => new { configMap = snapshot.Config.Name },
        ObservedChangeKind.LeftoverFound => new { leftovers = change.Leftovers.Select(LeftoverView.From) },
        ObservedChangeKind.Heartbeat => new { summary = snapshot.Summary(), snapshot.DesiredRevision },
        _ => new { },
    };

    /// <summary>Keeps the newest <see cref="TrackingOptions.ObservationsKept"/> snapshots of the cluster.</summary>
    private async Task PruneAsync(string clusterId, CancellationToken cancellationToken)
    {
        var keep = Math.Max(1, options.Value.ObservationsKept);
        var oldestKept = await db.Observations.Where(o => o.ClusterId == clusterId).OrderByDescending(o => o.Id)
            .Skip(keep - 1).Select(o => (long?)o.Id).FirstOrDefaultAsync(cancellationToken);
        if (oldestKept is { } id)
            await db.Observations.Where(o => o.ClusterId == clusterId && o.Id < id).ExecuteDeleteAsync(cancellationToken);
    }

    private static List<string> Strings(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];
}
