namespace ControlApi.Core.Rendering;

/// <summary>
/// One render of a cluster's GitOps files. <see cref="Files"/> are to be written exactly;
/// <see cref="StalePaths"/> are files ControlApi owns that this render does not produce (e.g.
/// <c>bgp.yaml</c> after BGP was turned off) and that must be deleted from the repository.
/// </summary>
public sealed record RenderedManifests(IReadOnlyList<ManagedFile> Files, IReadOnlyList<string> OwnedPaths)
{
    public IReadOnlyList<string> StalePaths =>
        OwnedPaths.Where(path => !Files.Any(file => file.Path == path)).ToArray();

    public ManagedFile? Find(string path) => Files.FirstOrDefault(file => file.Path == path);

    public bool Equals(RenderedManifests? other) =>
        other is not null && Files.SequenceEqual(other.Files) && OwnedPaths.SequenceEqual(other.OwnedPaths);

    public override int GetHashCode() => HashCode.Combine(Files.Count, OwnedPaths.Count);
}
