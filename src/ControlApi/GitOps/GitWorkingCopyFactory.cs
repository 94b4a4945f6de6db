using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlApi.GitOps;

/// <summary>Opens working copies; each open working copy carries its own credentials until disposed.</summary>
public sealed class GitWorkingCopyFactory
{
    private readonly GitCommandRunner _runner;
    private readonly IOptions<GitClientOptions> _options;
    private readonly ILogger<GitWorkingCopy> _logger;

    internal GitWorkingCopyFactory(GitCommandRunner runner, IOptions<GitClientOptions> options, ILogger<GitWorkingCopy> logger)
    {
        _runner = runner;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Prepares a working copy of <paramref name="remote"/> in <paramref name="directory"/> (a folder
    /// ControlApi owns; it may be replaced wholesale). Reads the remote's credential files now.
    /// Nothing touches the disk or network until an operation is called.
    /// </summary>
    public GitWorkingCopy Open(string directory, GitRemote remote)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(remote);
        remote.Validate();
        var fullPath = Path.GetFullPath(directory);
        return new GitWorkingCopy(fullPath, remote, _runner, GitSession.Open(remote, _options.Value), _logger);
    }
}
