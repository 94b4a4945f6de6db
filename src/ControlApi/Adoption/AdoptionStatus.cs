using System.Collections.Concurrent;
using ControlApi.Audit;
using ControlApi.Commits;
using ControlApi.Configuration;
using ControlApi.Core.Rendering;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.GitOps;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Adoption;

/// <summary>Whether ControlApi may write a cluster's Cilium release.</summary>
public abstract record AdoptionState
{
    /// <summary>ControlApi manages the release: it adopted it, or wrote it itself.</summary>
    public sealed record Managed : AdoptionState;

    /// <summary>There is no Cilium release yet; the first change creates it.</summary>
    public sealed record Fresh : AdoptionState;

    /// <summary>Someone else's release is there; it must be adopted before ControlApi writes over it.</summary>
    public sealed record Unadopted(string Reason, string? HeadSha) : AdoptionState;

    /// <summary>The repository could not be read, so it is not known yet.</summary>
    public sealed record Unknown(string Reason) : AdoptionState;

    public bool IsAdopted => this is Managed or Fresh;
}

/// <summary>The endpoint that adopts a cluster, named once for problems, chat and reads.</summary>
public static class AdoptionLinks
{
    public static string Adopt(string cluster) => $"/api/v1/clusters/{Uri.EscapeDataString(cluster)}/adopt";
}

/// <summary>What the repository said lately, so reads and changes do not fetch on every request.</summary>
public sealed class AdoptionStateCache
{
    /// <summary>Long enough to spare a fetch per request, short enough that a release pushed by hand is seen soon.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, (AdoptionState State, DateTimeOffset At)> _states = new(StringComparer.Ordinal);

    public bool TryGet(string cluster, DateTimeOffset now, out AdoptionState state)
    {
        state = null!;
        if (!_states.TryGetValue(cluster, out var entry)) return false;
        // Managed never ends: a revision that reached the repository stays there. Everything else is looked at again.
        if (entry.State is not AdoptionState.Managed && now - entry.At > Lifetime) return false;
        state = entry.State;
        return true;
    }

    public void Remember(string cluster, AdoptionState state, DateTimeOffset now) => _states[cluster] = (state, now);

    public void Forget(string cluster) => _states.TryRemove(cluster, out _);

    private readonly ConcurrentDictionary<string, long> _unmanagedAt = new(StringComparer.Ordinal);

    /// <summary>True when the database said "not managed" at this <see cref="Persistence.DatabaseVersion"/>: it still says so.</summary>
    public bool IsUnmanagedAt(string cluster, long? version) =>
        version is { } now && _unmanagedAt.TryGetValue(cluster, out var seen) && seen == now;

    public void RememberUnmanaged(string cluster, long? version)
    {
        if (version is { } now) _unmanagedAt[cluster] = now;
    }
}

/// <summary>
/// Tells a cluster ControlApi manages from one whose repository already holds a Cilium release that
/// ControlApi did not write. Managed means a revision of it reached the repository (committed, or
/// found already there) or was adopted; revisions that never got there do not count.
/// </summary>
public sealed class AdoptionStatus(
    Lazy<ControlApiDbContext> database,
    IGitOpsRepository repository,
    DataPaths paths,
    AdoptionStateCache cache,
    Persistence.DatabaseVersion databaseVersion,
    LiveReleaseProbe live,
    TimeProvider time,
    ILogger<AdoptionStatus> logger)
{
    /// <summary>Made on first use: a managed cluster's state is remembered and never builds a context.</summary>
    private ControlApiDbContext Db => database.Value;

    public Task<bool> IsManagedAsync(string clusterId, CancellationToken cancellationToken) =>
        Db.Revisions.AsNoTracking().AnyAsync(r => r.ClusterId == clusterId
            && (r.Source == AuditSources.Adopt || r.CommitSha != null || r.State == nameof(RevisionState.NoChange)), cancellationToken);

    /// <param name="fresh">Read the repository even if a recent answer is remembered (before a commit, before adopting).</param>
    public async Task<AdoptionState> GetAsync(ManagedCluster cluster, bool fresh, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cache.TryGet(cluster.Id, now, out var known) && known is AdoptionState.Managed) return known;
        // Reads of a cluster not managed yet ask the database only when it changed since it last said no.
        var version = databaseVersion.Current();
        if (!cache.IsUnmanagedAt(cluster.Id, version))
        {
            if (await IsManagedAsync(cluster.Id, cancellationToken))
            {
                cache.Remember(cluster.Id, new AdoptionState.Managed(), now);
                return new AdoptionState.Managed();
            }
            cache.RememberUnmanaged(cluster.Id, version);
        }
        if (!fresh && cache.TryGet(cluster.Id, now, out var remembered)) return remembered;

        var release = ManifestRenderer.CiliumFilePath(cluster.Profile, ManifestRenderer.ReleaseFile);
        AdoptionState state;
        try
        {
            var target = GitOpsTargets.For(cluster, paths);
            var files = await repository.ReadFilesAsync(target, [release], cancellationToken);
            // A release ControlApi committed itself (its revision trailer on the last commit that
            // touched it) is ControlApi's even when the database does not know yet, e.g. after a
            // crash between the push and the database update.
            state = files.Files.GetValueOrDefault(release) is null
                ? new AdoptionState.Fresh()
                : (await repository.LastRevisionTrailersAsync(target, release, cancellationToken))
                    .Any(t => t.StartsWith(cluster.Id + "/", StringComparison.Ordinal))
                ? new AdoptionState.Managed()
                : new AdoptionState.Unadopted(
                    $"The GitOps repository already holds a Cilium release at {release} (branch {cluster.GitOps.Branch}, commit {Short(files.HeadSha)}) that ControlApi did not write. Adopt it first with POST {AdoptionLinks.Adopt(cluster.Id)}: ControlApi then takes over its values instead of overwriting them.",
                    files.HeadSha);
        }
        catch (GitCommandException ex)
        {
            logger.LogWarning("Could not read the GitOps repository of {Cluster} to tell whether it needs adoption: {Reason}", cluster.Id, ex.Message);
            return new AdoptionState.Unknown($"The GitOps repository could not be read: {ex.Message}");
        }

        // No release in the repository, but the cluster may run one from elsewhere.
        if (state is AdoptionState.Fresh)
        {
            try
            {
                if (await live.ReadAsync(cluster, cancellationToken) is { } running && running.IsForeign(cluster))
                    state = new AdoptionState.Unadopted(
                        $"The cluster already runs the Cilium HelmRelease {cluster.Profile.HelmRelease}, applied by {running.AppliedBy ?? "hand (no Flux Kustomization labels)"}, not by the Flux Kustomization {cluster.Profile.Kustomization} from {release}. Adopt it first with POST {AdoptionLinks.Adopt(cluster.Id)}: ControlApi then takes over its values instead of overwriting them.",
                        null);
            }
            catch (Probes.ClusterUnreachableException ex)
            {
                logger.LogWarning("Could not read the live HelmRelease of {Cluster} to tell whether it needs adoption: {Reason}", cluster.Id, ex.Message);
                return new AdoptionState.Unknown($"The cluster could not be read: {ex.Message}");
            }
        }
        cache.Remember(cluster.Id, state, now);
        return state;
    }

    private static string Short(string? sha) => GitOps.CommitIds.Short(sha, "(none)");
}

/// <summary>How reads show whether ControlApi manages a cluster's release.</summary>
/// <param name="State"><c>managed</c>, <c>fresh</c> (no release yet), <c>unadopted</c> or <c>unknown</c> (repository unreadable).</param>
public sealed record AdoptionResource(bool Adopted, string State, string? Reason, string? AdoptUrl)
{
    public static AdoptionResource From(string cluster, AdoptionState state) => state switch
    {
        AdoptionState.Managed => new(true, "managed", null, null),
        AdoptionState.Fresh => new(true, "fresh", "The repository holds no Cilium release yet; the first change creates it.", null),
        AdoptionState.Unadopted u => new(false, "unadopted", u.Reason, AdoptionLinks.Adopt(cluster)),
        AdoptionState.Unknown u => new(false, "unknown", u.Reason, AdoptionLinks.Adopt(cluster)),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
