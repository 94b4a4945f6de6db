using ControlApi.Commits;
using ControlApi.Configuration;
using ControlApi.GitOps;

namespace ControlApi.Tracking;

/// <summary>
/// Which commits Flux may name for a tracked commit C: C itself and any commit that descends from it
/// (someone pushed on top, Flux fetched the newer head). Asks git once per unknown commit and
/// remembers the answer for the life of the tracker.
/// </summary>
public sealed class CommitAncestry(IGitOpsRepository repository, DataPaths paths, ILogger<CommitAncestry> logger)
{
    private readonly Dictionary<string, bool> _known = new(StringComparer.Ordinal);

    public async Task<IReadOnlySet<string>> AcceptedAsync(ManagedCluster cluster, string commit, IEnumerable<string> named, CancellationToken cancellationToken)
    {
        var tracked = commit.ToLowerInvariant();
        _known[tracked] = true;
        foreach (var sha in named.Select(s => s.ToLowerInvariant()).Where(s => !_known.ContainsKey(s)).ToList())
        {
            try
            {
                _known[sha] = await repository.IsAncestorAsync(GitOpsTargets.For(cluster, paths), tracked, sha, cancellationToken);
            }
            catch (GitCommandException ex)
            {
                // Unknown for now (remote unreachable): not accepted, asked again next time.
                logger.LogWarning("Could not tell whether {Commit} descends from {Tracked}: {Reason}", sha, tracked, ex.Reason);
            }
        }
        return _known.Where(k => k.Value).Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
    }
}
