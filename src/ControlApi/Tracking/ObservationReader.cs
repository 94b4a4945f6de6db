using ControlApi.Core.Revisions;
using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Tracking;

/// <summary>Reads the latest observation of a cluster and what its converging revisions wait on.</summary>
public sealed class ObservationReader(ControlApiDbContext db)
{
    public sealed record Latest(DateTimeOffset ObservedAt, string Summary, ObservationSnapshot? Snapshot);

    public async Task<Latest?> LatestAsync(string clusterId, CancellationToken cancellationToken)
    {
        // Newest by when it was observed, not by when it was stored: a slow poll that finishes after a
        // quicker, later one must not hand an older picture of the cluster to status and chat.
        var row = await db.Observations.AsNoTracking().Where(o => o.ClusterId == clusterId)
            .OrderByDescending(o => o.ObservedAt).ThenByDescending(o => o.Id).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new Latest(row.ObservedAt, row.Summary, ObservationSnapshot.FromJson(row.SnapshotJson));
    }

    public async Task<IReadOnlyList<TrackingResource>> ConvergingAsync(string clusterId, CancellationToken cancellationToken)
    {
        var rows = await (
            from r in db.Revisions.AsNoTracking()
            where r.ClusterId == clusterId && RevisionStates.ConvergingNames.Contains(r.State)
            join t in db.RevisionTracking.AsNoTracking() on r.Id equals t.RevisionId into tracked
            from t in tracked.DefaultIfEmpty()
            orderby r.Number
            select new { r.Number, r.State, r.StateChangedAt, r.CommitSha, Waiting = t == null ? null : t.Waiting })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new TrackingResource(r.Number, RevisionStates.Parse(r.State), r.StateChangedAt, r.CommitSha, r.Waiting)).ToList();
    }
}

/// <summary>A revision still on its way to Verified, and what it waits on.</summary>
public sealed record TrackingResource(int Revision, RevisionState State, DateTimeOffset Since, string? CommitSha, string? Waiting);
