using ControlApi.Configuration;
using ControlApi.GitOps;

namespace ControlApi.Commits;

/// <summary>
/// The embedded default: a cluster whose GitOps repository is a plain local path that does not exist yet
/// gets a bare repository there, with an initial commit on its branch, before any commit job runs —
/// once. A marker in the data directory remembers it, so a repository that later disappears (an
/// unmounted volume) is reported, never silently replaced by a new empty one that revisions would
/// then be committed to while the original stays behind.
/// <para>
/// It needs neither the database nor any other service, so the work begins in <see cref="StartingAsync"/>
/// (before any hosted service starts) and runs beside the migrations, mostly waiting for git; its own
/// turn in the start order (<see cref="StartAsync"/>, before the outbox sweep) waits for it to finish.
/// </para>
/// </summary>
public sealed class EmbeddedRepositoryInitializer(ClusterCatalog clusters, BareRepository bare, DataPaths paths, ILogger<EmbeddedRepositoryInitializer> logger) : IHostedLifecycleService
{
    private Task? _initialized;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _initialized = Task.Run(() => InitializeAsync(cancellationToken), cancellationToken);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => _initialized ??= InitializeAsync(cancellationToken);

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var cluster in clusters.All)
        {
            // Only a plain path is "ours to create"; a file:// URL names a remote someone else provides.
            if (GitRemote.KindOf(cluster.RepositoryLocation) != GitRemoteKind.Local || cluster.RepositoryLocation.Contains("://", StringComparison.Ordinal)) continue;
            var marker = paths.EmbeddedRepositoryMarker(cluster.Id);
            if (Directory.Exists(cluster.RepositoryLocation))
            {
                if (!File.Exists(marker)) await RememberAsync(marker, cluster.RepositoryLocation, cancellationToken);
                continue;
            }
            if (File.Exists(marker))
            {
                logger.LogError(
                    "The embedded GitOps repository of {Cluster} at {Path} was created on an earlier start and is gone (an unmounted volume?). It is not created again: commits fail until it is back. To start over with a new, empty repository, delete {Marker}.",
                    cluster.Id, cluster.RepositoryLocation, marker);
                continue;
            }
            var author = new GitAuthor(cluster.GitOps.AuthorName, cluster.GitOps.AuthorEmail);
            await bare.EnsureCreatedAsync(cluster.RepositoryLocation, cluster.GitOps.Branch, author, cancellationToken);
            await RememberAsync(marker, cluster.RepositoryLocation, cancellationToken);
            logger.LogInformation("Created the embedded GitOps repository for {Cluster} at {Path}", cluster.Id, cluster.RepositoryLocation);
        }
    }

    private static async Task RememberAsync(string marker, string repository, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        await File.WriteAllTextAsync(marker, repository + "\n", cancellationToken);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
