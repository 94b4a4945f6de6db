using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlApi.GitOps;

/// <summary>
/// The embedded default remote: a bare repository on local disk, created with an initial commit on
/// first start so the first revision is an ordinary commit on an existing branch.
/// </summary>
public sealed partial class BareRepository
{
    private const string InitialReadme =
        "# GitOps repository\n\n" +
        "Created by ControlApi as its embedded default remote. ControlApi commits the rendered Cilium\n" +
        "manifests and the Talos patch of each cluster here; it never changes other files.\n";

    private readonly GitCommandRunner _runner;
    private readonly IOptions<GitClientOptions> _options;
    private readonly ILogger<BareRepository> _logger;

    internal BareRepository(GitCommandRunner runner, IOptions<GitClientOptions> options, ILogger<BareRepository> logger)
    {
        _runner = runner;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Creates a bare repository at <paramref name="path"/> with a README.md commit on
    /// <paramref name="branch"/>, unless one is there already.
    /// </summary>
    /// <returns>True when it was created now; false when it already existed (it is left as it is).</returns>
    public async Task<bool> EnsureCreatedAsync(string path, string branch, GitAuthor initialCommitAuthor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!GitRemote.IsValidBranchName(branch)) throw new ArgumentException($"'{branch}' is not a usable branch name.", nameof(branch));

        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (IsBareRepository(target)) return false;
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new InvalidOperationException($"'{target}' exists and is not a bare git repository; refusing to use it as the GitOps remote.");
        }

        // Build it beside the target and move it into place in one step, so a crash never leaves a
        // half-made repository that looks finished.
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = $"{target}.creating-{Guid.NewGuid():N}";
        using var session = GitSession.Open(remote: null, _options.Value);
        try
        {
            await RunAsync(parent, ["init", "--quiet", "--bare", $"--initial-branch={branch}", staging], session, null, cancellationToken);
            var blob = await RunAsync(staging, ["hash-object", "-w", "--stdin"], session, InitialReadme, cancellationToken);
            var tree = await RunAsync(staging, ["mktree"], session, $"100644 blob {blob}\tREADME.md\n", cancellationToken);
            var commit = await _runner.RunAsync(
                new GitInvocation(staging, ["commit-tree", tree, "-F", "-"], session)
                {
                    StandardInput = "Initial commit\n\nCreated by ControlApi as the embedded GitOps remote.\n",
                    ExtraEnvironment = initialCommitAuthor.ToEnvironment(),
                },
                cancellationToken);
            await RunAsync(staging, ["update-ref", $"refs/heads/{branch}", commit.StandardOutput.Trim()], session, null, cancellationToken);

            if (Directory.Exists(target)) Directory.Delete(target); // empty, checked above
            Directory.Move(staging, target);
        }
        catch (IOException) when (IsBareRepository(target))
        {
            // Another instance created it between our check and our move: theirs is as good as ours.
            return false;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }

        LogCreated(_logger, target, branch);
        return true;
    }

    private static bool IsBareRepository(string path) =>
        File.Exists(Path.Combine(path, "HEAD"))
        && Directory.Exists(Path.Combine(path, "objects"))
        && Directory.Exists(Path.Combine(path, "refs"));

    private async Task<string> RunAsync(string directory, IReadOnlyList<string> arguments, GitSession session, string? input, CancellationToken cancellationToken)
    {
        var output = await _runner.RunAsync(new GitInvocation(directory, arguments, session) { StandardInput = input }, cancellationToken);
        return output.StandardOutput.Trim();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the embedded GitOps repository {Path} with an initial commit on {Branch}")]
    private static partial void LogCreated(ILogger logger, string path, string branch);
}
