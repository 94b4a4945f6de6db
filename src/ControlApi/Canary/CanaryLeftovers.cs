using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Probes;
using ControlApi.Tracking;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Canary;

/// <summary>
/// A revision committed after a canary that was not promoted (a rollback, or a newer change)
/// renders without the CiliumNodeConfig, and Flux prunes it — but the canary nodes' agents read it
/// when they started and keep its values until they start again. So once Flux applied such a
/// revision, the agents on the nodes the canary restarted are restarted once more (their pods
/// deleted), to read cilium-config alone. If the revision also rolls the DaemonSet, those nodes are
/// simply replaced a little earlier. Deleting again after a crash is harmless: the DaemonSet
/// recreates whatever is deleted.
/// </summary>
public sealed class CanaryLeftovers(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit, ILogger<CanaryLeftovers> logger)
{
    public async Task RestartAfterCanaryAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        if (revision.OpenCanary is not null || revision.Number < 2) return;
        var before = await db.Revisions.AsNoTracking()
            .SingleOrDefaultAsync(r => r.ClusterId == revision.Cluster.Id && r.Number == revision.Number - 1, cancellationToken);
        if (before is null || !CanaryRecords.IsOpenCanary(before) || before.CanaryPodsJson is null) return;
        var nodes = CanaryRecords.RestartedPods(before).Keys.ToHashSet(StringComparer.Ordinal);
        var pods = (await AgentPodProbe.ListAsync(connection, revision.Cluster.Profile.HelmRelease.Namespace, cancellationToken))
            .Where(p => p.Node is { } node && nodes.Contains(node)).ToList();
        if (pods.Count == 0) return;

        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.CanaryRestarted, revision.Cluster.Id, revision.Number, AuditSources.System, AuditSources.System,
                $"{revision.Name}: restarting the agents on the {nodes.Count} node(s) of revision {before.Number}'s canary, so they drop its CiliumNodeConfig values",
                new { nodes = nodes.Order(StringComparer.Ordinal), pods = pods.Select(p => p.Name), canaryRevision = before.Number }), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
        foreach (var pod in pods)
        {
            await AgentPodRestarter.DeleteAsync(connection, pod, cancellationToken);
            logger.LogInformation("{Revision}: deleted agent pod {Pod} on former canary node {Node}", revision.Name, pod.Name, pod.Node);
        }
    }
}
