using System.Text;
using ControlApi.Core.Rendering;
using Microsoft.Extensions.Logging;

namespace ControlApi.GitOps;

/// <summary>
/// A cluster's working copy of its GitOps remote: one directory, one remote, one branch. It owns
/// the directory (a crashed half-write is reset away, a moved remote is re-cloned) and nothing else.
/// Operations on one working copy must not overlap; <see cref="GitOpsRepository"/> serializes them.
/// Dispose to remove the per-operation credentials.
/// </summary>
public sealed partial class GitWorkingCopy : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly GitCommandRunner _runner;
    private readonly GitSession _session;
    private readonly ILogger _logger;

    internal GitWorkingCopy(string directory, GitRemote remote, GitCommandRunner runner, GitSession session, ILogger logger)
    {
        Directory = directory;
        Remote = remote;
        _runner = runner;
        _session = session;
        _logger = logger;
    }

    public string Directory { get; }
    public GitRemote Remote { get; }

    private string RemoteTrackingRef => $"refs/remotes/origin/{Remote.Branch}";
    private string LocalBranchRef => $"refs/heads/{Remote.Branch}";

    /// <summary>
    /// Makes the directory a working copy of <see cref="Remote"/> and fetches its branch. A missing,
    /// broken, or differently-homed working copy (the remote moved) is created anew.
    /// </summary>
    /// <returns>The remote branch head, or null when the remote has no such branch yet.</returns>
    public async Task<string?> EnsureCloneAsync(CancellationToken cancellationToken)
    {
        if (!await IsWorkingCopyOfRemoteAsync(cancellationToken))
        {
            await CreateAsync(cancellationToken);
        }

        RemoveStaleLocks();
        return await FetchAsync(cancellationToken);
    }

    /// <summary>
    /// Updates the remote-tracking ref of the branch. An empty remote (or one whose branch was
    /// deleted) is not an error: the tracking ref is removed and null returned.
    /// </summary>
    public async Task<string?> FetchAsync(CancellationToken cancellationToken)
    {
        var invocation = new GitInvocation(
            Directory, ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "origin", $"+{LocalBranchRef}:{RemoteTrackingRef}"], _session)
        {
            AcceptedExitCodes = null,
        };
        var fetch = await _runner.RunAsync(invocation, cancellationToken);
        if (fetch.ExitCode != 0)
        {
            // An empty remote is a normal state for a fresh repository. git says so only in words
            // (LC_ALL=C keeps them stable); recognising them saves a second connection (ls-remote)
            // on every sync, which over SSH is a whole handshake.
            if (!fetch.StandardError.Contains($"couldn't find remote ref {LocalBranchRef}", StringComparison.Ordinal))
            {
                throw GitCommandRunner.FailureOf(invocation, fetch);
            }

            await RunAsync(["update-ref", "-d", RemoteTrackingRef], cancellationToken);
            return null;
        }

        return await GetRemoteHeadAsync(cancellationToken);
    }

    /// <summary>The remote branch head as of the last fetch, or null when the remote has no branch.</summary>
    public async Task<string?> GetRemoteHeadAsync(CancellationToken cancellationToken)
    {
        var output = await RunAcceptingAsync(["rev-parse", "--verify", "--quiet", RemoteTrackingRef + "^{commit}"], [0, 1], cancellationToken);
        return output.ExitCode == 0 ? output.StandardOutput.Trim() : null;
    }

    /// <summary>
    /// Puts the branch, index and files exactly at the remote head (hard reset + clean of untracked
    /// and ignored files), so nothing from a crashed or rejected attempt survives. With no remote
    /// branch yet, starts an orphan branch with an empty tree.
    /// </summary>
    /// <returns>The head the working copy now stands on, or null for an orphan branch.</returns>
    public async Task<string?> ResetToRemoteBranchAsync(CancellationToken cancellationToken)
    {
        var head = await GetRemoteHeadAsync(cancellationToken);
        await RunAsync(["symbolic-ref", "HEAD", LocalBranchRef], cancellationToken);
        if (head is not null)
        {
            await RunAsync(["reset", "--quiet", "--hard", head], cancellationToken);
        }
        else
        {
            await RunAsync(["update-ref", "-d", LocalBranchRef], cancellationToken);
            await RunAsync(["read-tree", "--empty"], cancellationToken);
        }

        await RunAsync(["clean", "--quiet", "-ffdx"], cancellationToken);
        return head;
    }

    /// <summary>A file's content at the remote head (for plan diffs); null when the file or the branch is absent.</summary>
    public async Task<string?> ReadFileAtRemoteHeadAsync(string path, CancellationToken cancellationToken)
    {
        var normalized = RepositoryPath.Normalize(path);
        var head = await GetRemoteHeadAsync(cancellationToken);
        if (head is null) return null;

        var listed = await RunAsync(["ls-tree", "-z", head, "--", normalized], cancellationToken);
        // "<mode> <type> <object>\t<path>\0" — only regular files count as content.
        var entry = listed.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('\t', 2))
            .FirstOrDefault(e => e.Length == 2 && e[1] == normalized);
        if (entry is null) return null;

        var meta = entry[0].Split(' ');
        if (meta is not [("100644" or "100755"), "blob", var blob]) return null;

        var content = await RunAsync(["cat-file", "blob", blob], cancellationToken);
        return content.StandardOutput;
    }

    /// <summary>
    /// Writes the rendered files and deletes managed files that are no longer rendered, then stages
    /// exactly those paths. Files outside <paramref name="managedPaths"/> are never touched; paths
    /// that would leave the working copy (<c>..</c>, absolute, .git, through a symlink) are refused.
    /// </summary>
    public async Task WriteManagedFilesAsync(IReadOnlyList<ManagedFile> files, IReadOnlyCollection<string> managedPaths, CancellationToken cancellationToken)
    {
        var managed = managedPaths.Select(RepositoryPath.Normalize).ToHashSet(StringComparer.Ordinal);
        var rendered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = RepositoryPath.Normalize(file.Path);
            if (!managed.Contains(path))
            {
                throw new ArgumentException($"'{path}' is not a managed path; ControlApi writes only the paths it manages.", nameof(files));
            }

            if (!rendered.TryAdd(path, file.Content))
            {
                throw new ArgumentException($"'{path}' is rendered twice.", nameof(files));
            }
        }

        foreach (var path in managed.Order(StringComparer.Ordinal))
        {
            var fullPath = ResolveInside(path);
            if (System.IO.Directory.Exists(fullPath))
            {
                throw new InvalidOperationException($"Managed path '{path}' is a directory in the repository; refusing to replace it.");
            }

            if (rendered.TryGetValue(path, out var content))
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
                await File.WriteAllTextAsync(fullPath, content, Utf8, cancellationToken);
            }
            else if (File.Exists(fullPath))
            {
                File.Delete(fullPath);
            }
        }

        // Stage what we wrote plus what git tracked (so deletions are staged); an untracked path
        // that does not exist would make "git add" fail.
        var tracked = await RunAsync(["ls-files", "-z", "--", .. managed], cancellationToken);
        var toStage = tracked.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Concat(rendered.Keys)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (toStage.Count > 0)
        {
            await RunAsync(["add", "--all", "--", .. toStage], cancellationToken);
        }
    }

    /// <summary>
    /// Commits the staged changes as <paramref name="author"/> (author and committer).
    /// </summary>
    /// <returns>The new commit, or null when nothing changed — which is success, not an error.</returns>
    public async Task<string?> CommitAsync(string message, GitAuthor author, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        var diff = await RunAcceptingAsync(["diff", "--cached", "--quiet"], [0, 1], cancellationToken);
        if (diff.ExitCode == 0) return null;

        // Whitespace cleanup only: the default would drop lines starting with '#' from a reason.
        await _runner.RunAsync(
            new GitInvocation(Directory, ["commit", "--quiet", "--no-verify", "--cleanup=whitespace", "--file=-"], _session)
            {
                StandardInput = message,
                ExtraEnvironment = author.ToEnvironment(),
            },
            cancellationToken);
        var head = await RunAsync(["rev-parse", "--verify", "HEAD"], cancellationToken);
        return head.StandardOutput.Trim();
    }

    /// <summary>
    /// Re-applies a change onto the current remote head: reset to it, write the files, commit. The
    /// path after a rejected push is fetch + this + push again.
    /// </summary>
    /// <returns>The new commit, or null when the remote head already has these files.</returns>
    public async Task<string?> CommitOntoRemoteHeadAsync(
        IReadOnlyList<ManagedFile> files, IReadOnlyCollection<string> managedPaths, string message, GitAuthor author, CancellationToken cancellationToken)
    {
        await ResetToRemoteBranchAsync(cancellationToken);
        await WriteManagedFilesAsync(files, managedPaths, cancellationToken);
        return await CommitAsync(message, author, cancellationToken);
    }

    /// <summary>
    /// Pushes HEAD to the remote branch. Never forces: a remote that moved ahead answers
    /// <see cref="GitPushOutcome.RejectedNonFastForward"/>.
    /// </summary>
    public async Task<GitPushResult> PushAsync(CancellationToken cancellationToken)
    {
        GitOutput output;
        try
        {
            output = await _runner.RunAsync(
                new GitInvocation(Directory, ["push", "--porcelain", "--no-verify", "origin", $"HEAD:{LocalBranchRef}"], _session) { AcceptedExitCodes = null },
                cancellationToken);
        }
        catch (GitCommandException ex)
        {
            return new GitPushResult(GitPushOutcome.Failed, ex.Reason);
        }

        var result = ParsePorcelain(output, LocalBranchRef, _session.Secrets);
        if (result.Outcome != GitPushOutcome.Pushed)
        {
            LogPushNotAccepted(_logger, Remote.DisplayUrl, Remote.Branch, result.Outcome, result.Reason);
        }

        return result;
    }

    /// <summary>
    /// The newest commit on the remote branch (as of the last fetch) carrying the trailer
    /// <paramref name="key"/> with exactly <paramref name="value"/>. Only real trailers count: the
    /// same text in a message body does not.
    /// </summary>
    public async Task<string?> FindCommitByTrailerAsync(string key, string value, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"'{key}' is not a trailer key.", nameof(key));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var head = await GetRemoteHeadAsync(cancellationToken);
        if (head is null) return null;

        // --grep narrows the walk cheaply; git's own trailer parser then decides, and the value
        // must match whole (goldentooth/1 is not goldentooth/10).
        var log = await RunAsync(
            ["log", "--fixed-strings", $"--grep={value}", $"--format=%H%x1f%(trailers:key={key},valueonly,separator=%x1f)%x1e", head, "--"],
            cancellationToken);
        foreach (var record in log.StandardOutput.Split('\x1e', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = record.Split('\x1f', StringSplitOptions.TrimEntries);
            if (fields.Skip(1).Contains(value, StringComparer.Ordinal)) return fields[0];
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="ancestor"/> is <paramref name="descendant"/> or one of its ancestors
    /// (<c>git merge-base --is-ancestor</c>). A commit this working copy has not fetched is no descendant.
    /// </summary>
    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken)
    {
        // Only object names, never options: both come from other systems (Flux status).
        if (!IsObjectName(ancestor) || !IsObjectName(descendant)) return false;
        var result = await RunAcceptingAsync(["merge-base", "--is-ancestor", ancestor, descendant], [0, 1, 128], cancellationToken);
        return result.ExitCode == 0;
    }

    private static bool IsObjectName(string value) => value.Length is >= 4 and <= 64 && value.All(char.IsAsciiHexDigit);

    public void Dispose() => _session.Dispose();

    internal static GitPushResult ParsePorcelain(GitOutput output, string remoteRef, IEnumerable<string> secrets)
    {
        // Porcelain lines: "<flag>\t<from>:<to>\t<summary> (<reason>)", flag ' ' fast-forward,
        // '+' forced, '-' deleted, '*' new, '=' up to date, '!' rejected.
        var line = output.StandardOutput.Split('\n')
            .Select(l => l.Split('\t'))
            .FirstOrDefault(parts => parts.Length >= 3 && parts[0].Length == 1 && parts[1].EndsWith(":" + remoteRef, StringComparison.Ordinal));

        if (line is null)
        {
            return output.ExitCode == 0
                ? GitPushResult.Pushed
                : new GitPushResult(GitPushOutcome.Failed, GitCommandRunner.Reason(output.StandardError, "", secrets));
        }

        var summary = line[2].Trim();
        return line[0] switch
        {
            " " or "*" or "=" or "+" when output.ExitCode == 0 => GitPushResult.Pushed,
            "!" when summary.StartsWith("[rejected]", StringComparison.Ordinal)
                && (summary.Contains("non-fast-forward", StringComparison.Ordinal) || summary.Contains("fetch first", StringComparison.Ordinal))
                => new GitPushResult(GitPushOutcome.RejectedNonFastForward, "the remote branch moved ahead: " + summary),
            "!" when summary.StartsWith("[remote rejected]", StringComparison.Ordinal)
                => new GitPushResult(GitPushOutcome.Failed, GitRedactor.Redact("the remote refused the push: " + summary + RemoteSays(output.StandardError), secrets)),
            _ => new GitPushResult(GitPushOutcome.Failed,
                GitRedactor.Redact($"push not accepted: {summary}; {GitCommandRunner.Reason(output.StandardError, "", secrets)}", secrets)),
        };
    }

    /// <summary>What the server printed (hooks, protection rules), which says why better than git's summary.</summary>
    private static string RemoteSays(string standardError)
    {
        var lines = standardError.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("remote:", StringComparison.Ordinal))
            .Select(l => l["remote:".Length..].Trim())
            .Where(l => l.Length > 0)
            .ToList();
        return lines.Count == 0 ? "" : " — " + string.Join(' ', lines);
    }

    private async Task<bool> IsWorkingCopyOfRemoteAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(Directory)) return false;
        if (!System.IO.Directory.Exists(Path.Combine(Directory, ".git")))
        {
            if (!System.IO.Directory.EnumerateFileSystemEntries(Directory).Any()) return false;
            // Only ever delete what is recognisably ours: a misconfigured path must not wipe a folder.
            throw new InvalidOperationException($"'{Directory}' exists, is not empty and is not a git working copy; refusing to use it.");
        }

        var gitDir = await RunAcceptingAsync(["rev-parse", "--absolute-git-dir"], null, cancellationToken);
        if (gitDir.ExitCode != 0 || !SamePath(gitDir.StandardOutput.Trim(), Path.Combine(Directory, ".git")))
        {
            LogRecreating(_logger, Directory, "it is not a usable git repository");
            return false;
        }

        var origin = await RunAcceptingAsync(["config", "--get", "remote.origin.url"], [0, 1], cancellationToken);
        var current = origin.StandardOutput.Trim();
        if (origin.ExitCode != 0 || !string.Equals(current, Remote.Url, StringComparison.Ordinal))
        {
            LogRecreating(_logger, Directory, $"its origin is '{GitRedactor.Redact(current, _session.Secrets)}', not '{Remote.DisplayUrl}'");
            return false;
        }

        return true;
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(Directory);
        // init + remote instead of clone: works the same for an empty remote, and the first fetch
        // goes through the same code as every later one.
        await RunAsync(["init", "--quiet", $"--initial-branch={Remote.Branch}"], cancellationToken);
        await RunAsync(["remote", "add", "--no-tags", "origin", Remote.Url], cancellationToken);
    }

    /// <summary>
    /// A git process killed by a timeout or a crash leaves its lock files behind, and every later
    /// command would fail on them. Safe only because operations on a working copy never overlap.
    /// </summary>
    private void RemoveStaleLocks()
    {
        var gitDir = Path.Combine(Directory, ".git");
        var candidates = System.IO.Directory.EnumerateFiles(gitDir, "*.lock", SearchOption.TopDirectoryOnly);
        var refs = Path.Combine(gitDir, "refs");
        if (System.IO.Directory.Exists(refs))
        {
            candidates = candidates.Concat(System.IO.Directory.EnumerateFiles(refs, "*.lock", SearchOption.AllDirectories));
        }

        foreach (var lockFile in candidates.ToList())
        {
            LogStaleLock(_logger, lockFile);
            File.Delete(lockFile);
        }
    }

    private string ResolveInside(string relativePath)
    {
        var root = Path.GetFullPath(Directory);
        var fullPath = Path.GetFullPath(Path.Combine(root, relativePath));
        if (!fullPath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Refusing repository path '{relativePath}': it resolves outside the working copy.", nameof(relativePath));
        }

        // A symlink committed by someone else (gitops -> /etc) would carry our writes outside.
        var current = root;
        foreach (var segment in relativePath.Split('/'))
        {
            current = Path.Combine(current, segment);
            if (new FileInfo(current).LinkTarget is not null)
            {
                throw new ArgumentException($"Refusing repository path '{relativePath}': '{Path.GetRelativePath(root, current)}' is a symbolic link.", nameof(relativePath));
            }
        }

        return fullPath;
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    private Task<GitOutput> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        _runner.RunAsync(new GitInvocation(Directory, arguments, _session), cancellationToken);

    /// <summary>Runs a command whose listed exit codes are answers; null accepts any.</summary>
    private Task<GitOutput> RunAcceptingAsync(IReadOnlyList<string> arguments, IReadOnlyCollection<int>? acceptedExitCodes, CancellationToken cancellationToken) =>
        _runner.RunAsync(new GitInvocation(Directory, arguments, _session) { AcceptedExitCodes = acceptedExitCodes }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-creating working copy {Directory}: {Why}")]
    private static partial void LogRecreating(ILogger logger, string directory, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing stale git lock {LockFile} left by an interrupted command")]
    private static partial void LogStaleLock(ILogger logger, string lockFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push to {Remote} ({Branch}) not accepted: {Outcome}: {Reason}")]
    private static partial void LogPushNotAccepted(ILogger logger, string remote, string branch, GitPushOutcome outcome, string? reason);
}
