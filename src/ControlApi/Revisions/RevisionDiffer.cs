using ControlApi.Cilium;
using ControlApi.Configuration;
using ControlApi.Core.Diffs;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;

namespace ControlApi.Revisions;

/// <summary>
/// What revision <c>n</c> changes against revision <c>m</c>: each setting by JSON pointer, and the
/// unified diff of every file both render to. Files are rendered for the cluster as configured now
/// (Talos version, chart), so a diff shows the settings' effect, not a change of configuration.
/// </summary>
public sealed record RevisionDiffResource(
    string Cluster,
    int Revision,
    int Against,
    bool NoChange,
    string Summary,
    IReadOnlyList<SettingChange> Settings,
    IReadOnlyList<FileChange> Files);

/// <summary>How a diff request ends.</summary>
public abstract record RevisionDiffOutcome
{
    public sealed record NoSuchRevision(int Missing, int CurrentRevision) : RevisionDiffOutcome;
    public sealed record Diffed(RevisionDiffResource Diff) : RevisionDiffOutcome;
}

public sealed class RevisionDiffer(RevisionReader revisions)
{
    /// <param name="against">The revision to compare with; by default the one <paramref name="number"/> was built on (0: the defaults).</param>
    public async Task<RevisionDiffOutcome> DiffAsync(ManagedCluster cluster, int number, int? against, CancellationToken cancellationToken)
    {
        var baseline = against ?? await revisions.BaseOfAsync(cluster.Id, number, cancellationToken);
        var after = number < 0 ? null : await revisions.FindAsync(cluster.Id, number, cancellationToken);
        var before = baseline < 0 ? null : await revisions.FindAsync(cluster.Id, baseline, cancellationToken);
        if (after is null || before is null)
            return new RevisionDiffOutcome.NoSuchRevision(after is null ? number : baseline, (await revisions.CurrentAsync(cluster.Id, cancellationToken)).Number);

        var old = ManifestRenderer.Render(cluster.Profile, before.Settings);
        var @new = ManifestRenderer.Render(cluster.Profile, after.Settings);
        var files = old.OwnedPaths.Union(@new.OwnedPaths).Select(path =>
        {
            var was = old.Find(path)?.Content;
            var now = @new.Find(path)?.Content;
            var change = (was, now) switch
            {
                (null, null) => null,
                (null, _) => ManifestPlanner.Added,
                (_, null) => ManifestPlanner.Deleted,
                _ when was == now => ManifestPlanner.Unchanged,
                _ => ManifestPlanner.Modified,
            };
            return change is null ? null : new FileChange(path, change, UnifiedDiff.Create(path, was, now));
        }).OfType<FileChange>().ToList();

        var settings = SettingsChanges.Leaves(before.Settings, after.Settings);
        return new RevisionDiffOutcome.Diffed(new RevisionDiffResource(cluster.Id, number, baseline,
            settings.Count == 0 && files.All(f => f.Change == ManifestPlanner.Unchanged),
            SettingsChanges.Describe(before.Settings, after.Settings), settings, files));
    }
}
