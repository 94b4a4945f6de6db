using ControlApi.Core.Canary;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Rendering;

/// <summary>
/// Renders a cluster's Cilium settings into the files of its GitOps repository (SPEC §3). Pure and
/// deterministic: the same profile and settings give byte-identical files, with no timestamp or
/// revision in them, so "nothing changed" is a byte comparison. Expects settings that passed
/// validation; it never writes a value that could change the YAML structure, valid or not.
/// <para>Key order, fixed: Kubernetes objects start with apiVersion, kind, metadata, spec, and the
/// rest of each object is in the order its builder lists it; the Helm <c>values</c> are sorted
/// ordinally at every level; kustomize <c>resources</c> are sorted ordinally; files are returned
/// sorted by path. Every file starts with the constant <see cref="Header"/>.</para>
/// </summary>
public static class ManifestRenderer
{
    public const string RepositoryFile = "repository.yaml";
    public const string ReleaseFile = "release.yaml";
    public const string NamespaceFile = "namespace.yaml";
    public const string BgpFile = "bgp.yaml";

    /// <summary>The canary's CiliumNodeConfig, present only while a canary is open (removed by the next render).</summary>
    public const string CanaryFile = "canary.yaml";

    /// <summary>The same for every render, so it never makes a diff on its own.</summary>
    public const string Header = "# Rendered by ControlApi from the cluster's Cilium settings; change them through ControlApi, not here.\n";

    /// <param name="canary">
    /// A canary: <paramref name="settings"/> are then the cluster-wide settings still in force (the
    /// HelmRelease stays as it is) and the canary's changed cilium-config keys go into a
    /// CiliumNodeConfig for its nodes only (<see cref="CanaryFile"/>).
    /// </param>
    public static RenderedManifests Render(ClusterProfile cluster, CiliumSettings settings, CanaryOverlay? canary = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(settings);

        var folder = new Dictionary<string, IReadOnlyList<YamlMap>>(StringComparer.Ordinal)
        {
            [RepositoryFile] = [FluxResourceBuilder.HelmRepository(cluster)],
            [ReleaseFile] = [FluxResourceBuilder.HelmRelease(cluster, settings, HelmValuesBuilder.Build(cluster, settings))],
        };
        if (NamespaceBuilder.IsNeeded(cluster.HelmRelease.Namespace))
            folder[NamespaceFile] = [NamespaceBuilder.Namespace(cluster.HelmRelease.Namespace)];
        var bgp = BgpResourceBuilder.Build(cluster, settings.Bgp);
        if (bgp.Count > 0)
            folder[BgpFile] = bgp;
        if (canary is not null)
            folder[CanaryFile] = [CiliumNodeConfigBuilder.Build(cluster, canary)];
        folder[KustomizationBuilder.FileName] = [KustomizationBuilder.Build(folder.Keys)];

        var files = folder
            .Select(entry => new ManagedFile(CiliumFilePath(cluster, entry.Key), Header + YamlWriter.Write(entry.Value)))
            .Append(new ManagedFile(TalosPatchFilePath(cluster), Header + YamlWriter.Write(TalosPatchBuilder.Build(cluster.Talos, settings.Talos))))
            .OrderBy(file => file.Path, StringComparer.Ordinal)
            .ToArray();
        return new RenderedManifests(files, OwnedPaths(cluster));
    }

    /// <summary>Every path a render of this cluster may write; the rest of the repository is not ControlApi's.</summary>
    public static IReadOnlyList<string> OwnedPaths(ClusterProfile cluster) =>
        new[] { RepositoryFile, ReleaseFile, NamespaceFile, BgpFile, CanaryFile, KustomizationBuilder.FileName }
            .Select(name => CiliumFilePath(cluster, name))
            .Append(NormalizePath(cluster.TalosPatchPath))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public static string TalosPatchFilePath(ClusterProfile cluster) => NormalizePath(cluster.TalosPatchPath);

    public static string CiliumFilePath(ClusterProfile cluster, string fileName) =>
        $"{NormalizePath(cluster.CiliumPath)}/{fileName}";

    // Repository-relative and '/'-separated whatever the configuration said ("./a/b/", "a\\b").
    private static string NormalizePath(string path)
    {
        var normalized = path.Replace('\\', '/').Trim('/');
        while (normalized.StartsWith("./", StringComparison.Ordinal)) normalized = normalized[2..].TrimStart('/');
        return normalized;
    }
}
