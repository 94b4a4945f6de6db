using ControlApi.Commits;
using ControlApi.Configuration;
using ControlApi.Core.Diffs;
using ControlApi.Core.Rendering;
using ControlApi.GitOps;

namespace ControlApi.Cilium;

/// <summary>One managed file's fate if the plan were committed.</summary>
public sealed record FileChange(string Path, string Change, string Diff);

/// <summary>What the repository would see: per-file diffs against the remote branch head.</summary>
public sealed record RepositoryComparison(string? Head, bool Identical, IReadOnlyList<FileChange> Files, string? Error);

/// <summary>Compares a render with the GitOps repository's branch head (read-only: fetch and read, never write).</summary>
public sealed class ManifestPlanner(IGitOpsRepository repository, DataPaths paths, ILogger<ManifestPlanner> logger)
{
    public const string Added = "added", Modified = "modified", Deleted = "deleted", Unchanged = "unchanged";

    public async Task<RepositoryComparison> CompareAsync(ManagedCluster cluster, RenderedManifests rendered, CancellationToken cancellationToken)
    {
        RemoteFiles remote;
        try
        {
            remote = await repository.ReadFilesAsync(GitOpsTargets.For(cluster, paths), rendered.OwnedPaths, cancellationToken);
        }
        catch (GitCommandException ex)
        {
            // The plan still answers (validation, files); only the diff is missing, and says why.
            logger.LogWarning("Plan for {Cluster} could not read the GitOps repository: {Reason}", cluster.Id, ex.Message);
            return new RepositoryComparison(null, false, [], $"The GitOps repository could not be read, so no diff is shown: {ex.Message}");
        }

        var changes = rendered.OwnedPaths.Select(path =>
        {
            var desired = rendered.Find(path)?.Content;
            remote.Files.TryGetValue(path, out var current);
            var change = (current, desired) switch
            {
                (null, null) => null,
                (null, _) => Added,
                (_, null) => Deleted,
                _ when current == desired => Unchanged,
                _ => Modified,
            };
            return change is null ? null : new FileChange(path, change, UnifiedDiff.Create(path, current, desired));
        }).OfType<FileChange>().ToList();

        return new RepositoryComparison(remote.HeadSha, changes.All(c => c.Change == Unchanged), changes, null);
    }
}
