using ControlApi.Core.Rendering;
using Microsoft.Extensions.Logging;

namespace ControlApi.GitOps;

/// <summary>
/// A cluster's working copy of its GitOps remote: one directory, one remote, one branch. It owns
/// the directory (stale locks of a killed command are removed, a moved remote is re-cloned) and
/// nothing else. Only its object store and refs are used: commits are built from objects, never
/// checked out, so its files on disk play no part.
/// Operations on one working copy must not overlap; <see cref="GitOpsRepository"/> serializes them.
/// Dispose to remove the per-operation credentials.
/// </summary>
public sealed partial class GitWorkingCopy : IDisposable
{
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

    /// <summary>Where <see cref="BuildCommitAsync"/> leaves the commit it built, outside every branch.</summary>
    private const string PublishRef = "refs/controlapi/publish";

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
        // Every publish starts here: read the ref git wrote instead of starting a process for it (on a
        // busy node each process start is what the commit path waits for). Anything unexpected — a
        // symbolic ref, no such ref, a reftable store — is left to git itself.
        if (ReadRefFile(Path.Combine(Directory, ".git"), RemoteTrackingRef) is { } head) return head;
        var output = await RunAcceptingAsync(["rev-parse", "--verify", "--quiet", RemoteTrackingRef + "^{commit}"], [0, 1], cancellationToken);
        return output.ExitCode == 0 ? output.StandardOutput.Trim() : null;
    }

    /// <summary>
    /// A ref's object id as git's files backend stores it: the loose file <c>&lt;git dir&gt;/&lt;ref&gt;</c>
    /// (written whole through a lock file and a rename, so never seen half-written), else its line in
    /// <c>packed-refs</c> (a loose file wins over a packed line, as in git). Null when it is in neither
    /// or is anything other than a plain object id; then git has to answer. A remote-tracking branch
    /// is only ever set to a commit, so no peeling is needed.
    /// </summary>
    internal static string? ReadRefFile(string gitDirectory, string refName)
    {
        if (System.IO.Directory.Exists(Path.Combine(gitDirectory, "reftable"))) return null;
        try
        {
            var loose = Path.Combine(gitDirectory, refName.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(loose)) return ObjectId(File.ReadAllText(loose).Trim());
            var packed = Path.Combine(gitDirectory, "packed-refs");
            if (!File.Exists(packed)) return null;
            foreach (var line in File.ReadLines(packed))
            {
                if (line.StartsWith('#') || line.StartsWith('^')) continue;
                var space = line.IndexOf(' ');
                if (space > 0 && line.AsSpan(space + 1).SequenceEqual(refName)) return ObjectId(line[..space]);
            }
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // SHA-1 (40) or SHA-256 (64) in lower-case hex, as git writes them.
    private static string? ObjectId(string value) =>
        value.Length is 40 or 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') ? value : null;

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
    /// Builds a revision's commit on top of <paramref name="baseCommit"/> (null: the first commit of
    /// an empty branch) from git objects alone, in one <c>git fast-import</c>: the rendered files
    /// replace theirs, managed files no longer rendered are deleted, and everything else in the tree
    /// stays exactly as it is. Nothing is written to the working tree, so no symlink or half-written
    /// file there can redirect or spoil a write, and no reset or clean is needed before it; the commit
    /// lands on a private ref and reaches the branch only through <see cref="PushAsync"/>.
    /// One process where a checkout, write, add and commit take eight — the commit path's cost.
    /// </summary>
    /// <exception cref="ArgumentException">A path is not a managed path, is rendered twice, or is not a safe repository path.</exception>
    /// <exception cref="InvalidOperationException">A managed path (or a folder above it) is something else in the repository: a directory, a symlink, a submodule.</exception>
    public async Task<BuiltCommit> BuildCommitAsync(
        string? baseCommit, IReadOnlyList<ManagedFile> files, IReadOnlyCollection<string> managedPaths, string message, GitAuthor author, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        if (baseCommit is not null && !IsObjectName(baseCommit)) throw new ArgumentException($"'{baseCommit}' is not a commit id.", nameof(baseCommit));
        var managed = managedPaths.Select(RepositoryPath.Normalize).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var managedSet = managed.ToHashSet(StringComparer.Ordinal);
        var rendered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = RepositoryPath.Normalize(file.Path);
            if (!managedSet.Contains(path))
            {
                throw new ArgumentException($"'{path}' is not a managed path; ControlApi writes only the paths it manages.", nameof(files));
            }

            if (!rendered.TryAdd(path, file.Content))
            {
                throw new ArgumentException($"'{path}' is rendered twice.", nameof(files));
            }
        }

        // Every folder above a managed path must be a folder (or absent) in the base tree.
        var folders = managed.SelectMany(Ancestors).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var stream = new FastImportStream();
        stream.Line($"reset {PublishRef}").Line();
        stream.Line($"commit {PublishRef}").Line("mark :1");
        stream.Line($"author {author.Name} <{author.Email}> now").Line($"committer {author.Name} <{author.Email}> now");
        stream.Data(CleanMessage(message));
        if (baseCommit is not null) stream.Line($"from {baseCommit}");
        foreach (var path in folders.Concat(managed)) stream.Line($"ls {FastImportStream.Quote(path)}");
        foreach (var path in managed)
        {
            if (rendered.TryGetValue(path, out var content))
            {
                stream.Line($"M 100644 inline {FastImportStream.Quote(path)}").Data(content);
            }
            else
            {
                stream.Line($"D {FastImportStream.Quote(path)}");
            }
        }

        // The same paths once more, as the new commit has them: equal entries mean no change.
        foreach (var path in managed) stream.Line($"ls {FastImportStream.Quote(path)}");
        stream.Line().Line("get-mark :1").Line("done");

        // --date-format=now: git stamps the time itself, as "git commit" does. --force: the private
        // ref is rewritten on every build.
        var output = await _runner.RunAsync(
            new GitInvocation(Directory, ["fast-import", "--quiet", "--done", "--force", "--date-format=now"], _session) { StandardInput = stream.ToString() },
            cancellationToken);
        var answers = output.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (answers.Length != folders.Count + 2 * managed.Count + 1)
        {
            throw new InvalidOperationException($"git fast-import answered {answers.Length} lines where {folders.Count + 2 * managed.Count + 1} were expected.");
        }

        for (var i = 0; i < folders.Count; i++)
        {
            if (!IsMissing(answers[i]) && !answers[i].StartsWith("040000 tree ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"'{folders[i]}' is not a folder in the repository ({Kind(answers[i])}); refusing to replace it with ControlApi's files.");
            }
        }

        var before = answers.AsSpan(folders.Count, managed.Count);
        for (var i = 0; i < managed.Count; i++)
        {
            if (!IsMissing(before[i]) && !before[i].StartsWith("100644 blob ", StringComparison.Ordinal) && !before[i].StartsWith("100755 blob ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Managed path '{managed[i]}' is {Kind(before[i])} in the repository; refusing to replace it.");
            }
        }

        var after = answers.AsSpan(folders.Count + managed.Count, managed.Count);
        var changed = false;
        for (var i = 0; i < managed.Count; i++) changed |= !string.Equals(Entry(before[i]), Entry(after[i]), StringComparison.Ordinal);
        var sha = answers[^1].Trim();
        if (!IsObjectName(sha)) throw new InvalidOperationException($"git fast-import did not name the commit it made ('{sha}').");
        return new BuiltCommit(sha, changed);

        static bool IsMissing(string answer) => answer.StartsWith("missing ", StringComparison.Ordinal);

        // "<mode> <type> <object>\t<path>": mode and object decide; the path is ours. Files are
        // written 100644, so an executable managed file becoming plain is a change, pushed as one.
        static string Entry(string answer) => IsMissing(answer) ? "missing" : answer.Split('\t', 2)[0];

        static string Kind(string answer) => answer.Split(' ', 2)[0] switch
        {
            "040000" => "a directory",
            "120000" => "a symbolic link",
            "160000" => "a submodule",
            _ => "a file",
        };
    }

    /// <summary>"a/b/c.yaml" → "a", "a/b".</summary>
    private static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }

    /// <summary>What <c>git commit --cleanup=whitespace</c> does: no trailing spaces, no runs of blank lines, one final newline.</summary>
    internal static string CleanMessage(string message)
    {
        var lines = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        var kept = new List<string>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Length == 0 && (kept.Count == 0 || kept[^1].Length == 0)) continue;
            kept.Add(line);
        }

        while (kept.Count > 0 && kept[^1].Length == 0) kept.RemoveAt(kept.Count - 1);
        return string.Join('\n', kept) + "\n";
    }

    /// <summary>
    /// Pushes <paramref name="commit"/> to the remote branch. Never forces: a remote that moved
    /// ahead answers <see cref="GitPushOutcome.RejectedNonFastForward"/>.
    /// </summary>
    public async Task<GitPushResult> PushAsync(string commit, CancellationToken cancellationToken)
    {
        if (!IsObjectName(commit)) throw new ArgumentException($"'{commit}' is not a commit id.", nameof(commit));
        GitOutput output;
        try
        {
            output = await _runner.RunAsync(
                new GitInvocation(Directory, ["push", "--porcelain", "--no-verify", "origin", $"{commit}:{LocalBranchRef}"], _session) { AcceptedExitCodes = null },
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
    public async Task<string?> FindCommitByTrailerAsync(string key, string value, CancellationToken cancellationToken) =>
        await FindCommitByTrailerAsync(key, value, await GetRemoteHeadAsync(cancellationToken), cancellationToken);

    /// <summary>As <see cref="FindCommitByTrailerAsync(string, string, CancellationToken)"/>, from a head the caller already knows.</summary>
    public async Task<string?> FindCommitByTrailerAsync(string key, string value, string? head, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"'{key}' is not a trailer key.", nameof(key));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(value);
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
    /// The values of trailer <paramref name="key"/> on the newest commit (from <paramref name="head"/>)
    /// that touched <paramref name="path"/>: who last wrote that file. Empty when the path has no history.
    /// </summary>
    public async Task<IReadOnlyList<string>> TrailersOfLastCommitTouchingAsync(string key, string path, string? head, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new ArgumentException($"'{key}' is not a trailer key.", nameof(key));
        if (head is null) return [];
        var log = await RunAsync(["log", "-1", $"--format=%(trailers:key={key},valueonly,separator=%x1f)", head, "--", path], cancellationToken);
        return log.StandardOutput.Split('\x1f', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
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
            // Two pushes to one branch at the same moment (replicas, or anyone): the remote updates the
            // ref only if it still points where the pusher saw it, and the loser is told so in these words.
            // That is the branch moving ahead, a race to fetch and re-apply, not a failure to back off from.
            "!" when summary.StartsWith("[remote rejected]", StringComparison.Ordinal) && LostRefRace(output.StandardError)
                => new GitPushResult(GitPushOutcome.RejectedNonFastForward, "the remote branch moved during the push: " + summary),
            "!" when summary.StartsWith("[remote rejected]", StringComparison.Ordinal)
                => new GitPushResult(GitPushOutcome.Failed, GitRedactor.Redact("the remote refused the push: " + summary + RemoteSays(output.StandardError), secrets)),
            _ => new GitPushResult(GitPushOutcome.Failed,
                GitRedactor.Redact($"push not accepted: {summary}; {GitCommandRunner.Reason(output.StandardError, "", secrets)}", secrets)),
        };
    }

    /// <summary>receive-pack's compare-and-swap on the ref lost ("is at X but expected Y", or the branch was created meanwhile).</summary>
    private static bool LostRefRace(string standardError) =>
        standardError.Contains("cannot lock ref", StringComparison.Ordinal)
        && (standardError.Contains("but expected", StringComparison.Ordinal) || standardError.Contains("reference already exists", StringComparison.Ordinal));

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
    public void RemoveStaleLocks()
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
