using ControlApi.Configuration;
using ControlApi.GitOps;

namespace ControlApi.Commits;

/// <summary>
/// The embedded default: a cluster whose GitOps repository is a plain local path that does not exist yet
/// gets a bare repository there, with an initial commit on its branch, before any commit job runs.
/// </summary>
public sealed class EmbeddedRepositoryInitializer(ClusterCatalog clusters, BareRepository bare, ILogger<EmbeddedRepositoryInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var cluster in clusters.All)
        {
            // Only a plain path is "ours to create"; a file:// URL names a remote someone else provides.
            if (GitRemote.KindOf(cluster.RepositoryLocation) != GitRemoteKind.Local || cluster.RepositoryLocation.Contains("://", StringComparison.Ordinal)) continue;
            if (Directory.Exists(cluster.RepositoryLocation)) continue;
            var author = new GitAuthor(cluster.GitOps.AuthorName, cluster.GitOps.AuthorEmail);
            await bare.EnsureCreatedAsync(cluster.RepositoryLocation, cluster.GitOps.Branch, author, cancellationToken);
            logger.LogInformation("Created the embedded GitOps repository for {Cluster} at {Path}", cluster.Id, cluster.RepositoryLocation);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
