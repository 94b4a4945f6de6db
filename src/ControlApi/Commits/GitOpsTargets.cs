using ControlApi.Configuration;
using ControlApi.GitOps;

namespace ControlApi.Commits;

public static class GitOpsTargets
{
    /// <summary>The cluster's remote (with its credentials' file paths) and its working copy in the data directory.</summary>
    public static GitOpsTarget For(ManagedCluster cluster, DataPaths paths) => new(
        new GitRemote(cluster.RepositoryLocation, cluster.GitOps.Branch)
        {
            SshKeyFile = cluster.GitOps.SshKeyFile,
            KnownHostsFile = cluster.GitOps.KnownHostsFile,
            TokenFile = cluster.GitOps.TokenFile,
        },
        paths.WorkingCopy(cluster.Id));
}
