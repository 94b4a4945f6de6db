using Microsoft.Extensions.Options;

namespace ControlApi.Configuration;

/// <summary>Absolute locations under the data directory; the one place relative paths are resolved.</summary>
public sealed class DataPaths
{
    public DataPaths(IOptions<ControlApiOptions> options, IHostEnvironment environment)
    {
        Root = Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath);
    }

    public string Root { get; }
    public string Database => Path.Combine(Root, "controlapi.db");
    public string HangfireDatabase => Path.Combine(Root, "hangfire.db");
    public string WorkingCopies => Path.Combine(Root, "worktrees");

    public string WorkingCopy(string clusterId) => Path.Combine(WorkingCopies, clusterId);

    /// <summary>
    /// A remote that is a plain relative path lives inside the data directory (the embedded default);
    /// URLs and scp-like <c>user@host:path</c> remotes are left as they are.
    /// </summary>
    public string ResolveRepository(string repository)
    {
        if (repository.Contains("://", StringComparison.Ordinal)) return repository;
        if (IsScpLike(repository)) return repository;
        return Path.GetFullPath(repository, Root);
    }

    private static bool IsScpLike(string value)
    {
        var colon = value.IndexOf(':');
        var slash = value.IndexOf('/');
        return colon > 0 && (slash < 0 || colon < slash);
    }
}
