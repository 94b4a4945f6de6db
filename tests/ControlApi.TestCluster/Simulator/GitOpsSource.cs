using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// Reads the bare GitOps repository the way source-controller fetches it: the branch head, and file
/// contents at a commit. Read-only, through the git CLI, with no prompts and no user config.
/// </summary>
public sealed class GitOpsSource(string repositoryPath, string branch)
{
    public string RepositoryPath { get; } = Path.GetFullPath(repositoryPath);
    public string Branch { get; } = branch;

    /// <summary>The commit the branch points at, or null while the branch does not exist.</summary>
    public async Task<string?> HeadAsync(CancellationToken cancellationToken)
    {
        var result = await GitAsync(["rev-parse", "--verify", "--quiet", $"refs/heads/{Branch}^{{commit}}"], cancellationToken);
        return result.ExitCode == 0 ? result.StandardOutput.Trim() : null;
    }

    /// <summary>The file's text at <paramref name="commit"/>, or null when it is not there.</summary>
    public async Task<string?> ReadFileAsync(string commit, string path, CancellationToken cancellationToken)
    {
        var result = await GitAsync(["show", $"{commit}:{path.TrimStart('.', '/')}"], cancellationToken);
        return result.ExitCode == 0 ? result.StandardOutput : null;
    }

    /// <summary>Flux's revision string for a branch ref: <c>&lt;branch&gt;@sha1:&lt;sha&gt;</c>.</summary>
    public string RevisionOf(string commit) => $"{Branch}@sha1:{commit}";

    private Task<BufferedCommandResult> GitAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        Cli.Wrap("git")
            .WithArguments(["--git-dir", RepositoryPath, .. arguments])
            .WithEnvironmentVariables(env => env
                .Set("GIT_TERMINAL_PROMPT", "0")
                .Set("GIT_CONFIG_NOSYSTEM", "1")
                .Set("GIT_CONFIG_GLOBAL", "/dev/null"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, Encoding.UTF8, cancellationToken);
}
