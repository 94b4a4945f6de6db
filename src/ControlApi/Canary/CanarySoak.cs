using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Canary;

/// <summary>
/// Automatic promotion (<c>Clusters[i].Canary.AutoPromote</c>): each poll of the cluster promotes
/// its newest revision once it has been CanaryVerified for <c>Canary.SoakTime</c> — measured on
/// <see cref="TimeProvider"/> from the moment the canary was verified, so the agents on the canary
/// nodes have run the change that long. Off by default: an operator decides.
/// </summary>
public sealed class CanarySoak(ControlApiDbContext db, CanaryPromotion promotion, TimeProvider time, ILogger<CanarySoak> logger)
{
    /// <summary>Pure: whether a canary verified at <paramref name="verifiedAt"/> is due for promotion at <paramref name="now"/>.</summary>
    public static bool IsDue(CanaryOptions options, DateTimeOffset verifiedAt, DateTimeOffset now) =>
        options.AutoPromote && now - verifiedAt >= options.SoakTime;

    /// <returns>The revision promoted, or null.</returns>
    public async Task<int?> PromoteDueAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        if (!cluster.Canary.AutoPromote) return null;
        var newest = await db.Revisions.AsNoTracking()
            .Where(r => r.ClusterId == cluster.Id)
            .OrderByDescending(r => r.Number)
            .Select(r => new { r.Number, r.State, r.StateChangedAt, r.CanarySelector, r.PromotedAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (newest is not { State: nameof(RevisionState.CanaryVerified), CanarySelector: not null, PromotedAt: null }) return null;
        if (!IsDue(cluster.Canary, newest.StateChangedAt, time.GetUtcNow())) return null;
        var outcome = await promotion.ApplyAsync(cluster, newest.Number,
            AuditSources.System, AuditSources.System, cancellationToken);
        if (outcome is PromoteOutcome.Promoted)
        {
            logger.LogInformation("{Cluster} revision {Revision}: canary promoted after soaking {Soak}", cluster.Id, newest.Number, cluster.Canary.SoakTime);
            return newest.Number;
        }
        return null;
    }
}
