using ControlApi.Audit;
using ControlApi.Core.Revisions;
using ControlApi.Probes;

namespace ControlApi.Tracking;

/// <summary>
/// Asks Flux to reconcile now instead of at its next interval: sets
/// <c>reconcile.fluxcd.io/requestedAt</c> on the GitRepository (fetch the new commit) and on the
/// Kustomization (apply it), as <c>flux reconcile kustomization --with-source</c> does.
/// Precondition: the revision is Committed and Flux has not been asked for it yet (tracking row).
/// </summary>
public sealed class ReconcileRequest(TrackingRecorder recorder, TimeProvider time, ILogger<ReconcileRequest> logger)
{
    /// <returns>True when the request is (or already was) made; false when the cluster could not be reached.</returns>
    public async Task<bool> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        if ((await recorder.ReadAsync(revision.Id, cancellationToken))?.ReconcileRequestedAt is not null) return true;
        var profile = revision.Cluster.Profile;
        var now = time.GetUtcNow();
        string stamp;
        try
        {
            stamp = await RequestAsync(connection, profile, now, cancellationToken);
        }
        catch (ClusterUnreachableException ex)
        {
            logger.LogWarning("Could not ask Flux to reconcile {Revision}: {Reason}; Flux still picks the commit up at its interval", revision.Name, ex.Reason);
            return false;
        }

        await recorder.NoteAsync(revision.Id, RevisionState.Committed, now,
            due: t => t.ReconcileRequestedAt is null,
            update: t => t.ReconcileRequestedAt = now,
            AuditKinds.FluxReconcileRequested,
            $"{revision.Name}: asked Flux to reconcile {profile.GitRepository} and {profile.Kustomization} now for commit {revision.ShortCommit}",
            new { commit = revision.Commit, gitRepository = profile.GitRepository.ToString(), kustomization = profile.Kustomization.ToString(), requestedAt = stamp },
            cancellationToken);
        return true;
    }

    /// <summary>The annotation on both objects; the value written is returned.</summary>
    public static async Task<string> RequestAsync(ClusterConnection connection, Core.Clusters.ClusterProfile profile, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stamp = await FluxProbe.RequestReconcileAsync(connection, ApiResources.GitRepository, profile.GitRepository, now, cancellationToken);
        await FluxProbe.RequestReconcileAsync(connection, ApiResources.Kustomization, profile.Kustomization, now, cancellationToken);
        return stamp;
    }
}
