using System.Collections.Concurrent;
using ControlApi.Concurrency;
using ControlApi.Core.Rendering;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlApi.GitOps;

/// <summary>Where a cluster's GitOps repository is: its remote, and the local folder ControlApi keeps its working copy in.</summary>
public sealed record GitOpsTarget(GitRemote Remote, string WorkingDirectory);

/// <summary>
/// One revision's commit: the rendered files, every path ControlApi manages (rendered or not, so
/// files no longer rendered are deleted), the message (whose trailer identifies the revision) and
/// who commits.
/// </summary>
public sealed record ManifestCommit(
    IReadOnlyList<ManagedFile> Files,
    IReadOnlyCollection<string> ManagedPaths,
    CommitMessage Message,
    GitAuthor Author)
{
    /// <summary>
    /// When set, the commit is refused if this file exists on the branch it would be built on and
    /// the last commit that touched it is not one of this cluster's revisions: ControlApi never
    /// writes over a release it did not write. Checked on the exact head each attempt builds on.
    /// </summary>
    public string? RefuseForeign { get; init; }
}

public enum PublishOutcome
{
    /// <summary>A new commit is on the remote branch.</summary>
    Committed,
    /// <summary>The remote branch already has a commit for this revision (an earlier attempt pushed it).</summary>
    AlreadyCommitted,
    /// <summary>The remote head already has exactly these files; no commit was made.</summary>
    NoChange,
    /// <summary>Not published; <see cref="PublishResult.Reason"/> says why. Worth retrying later.</summary>
    Failed,

    /// <summary>Not published, and retrying cannot help: the branch holds a release someone else wrote (<see cref="ManifestCommit.RefuseForeign"/>).</summary>
    Refused,
}

/// <param name="CommitSha">The revision's commit (Committed, AlreadyCommitted), the unchanged remote head (NoChange), or null.</param>
/// <param name="Reason">Redacted, human: why it failed, or null.</param>
/// <param name="Attempts">How many times the change was applied (more than one when the remote moved ahead).</param>
public sealed record PublishResult(PublishOutcome Outcome, string? CommitSha, string? Reason, int Attempts);

/// <summary>Files at the remote head, for plan diffs. A null content means the file does not exist there.</summary>
public sealed record RemoteFiles(string? HeadSha, IReadOnlyDictionary<string, string?> Files);

/// <summary>The GitOps repository as the rest of ControlApi sees it: publish a revision, read what is there.</summary>
public interface IGitOpsRepository
{
    /// <summary>
    /// Commits and pushes a revision exactly once: if the remote branch already has a commit with the
    /// revision's trailer (a crash after a push), that commit is returned instead of a second one; if
    /// the remote moved ahead, the files are re-applied onto the new head and pushed again.
    /// Failures of the remote come back as <see cref="PublishOutcome.Failed"/>, not exceptions.
    /// </summary>
    Task<PublishResult> PublishAsync(GitOpsTarget target, ManifestCommit commit, CancellationToken cancellationToken);

    /// <summary>Fetches, then reads <paramref name="paths"/> at the remote head. Throws <see cref="GitCommandException"/> when the remote cannot be reached.</summary>
    Task<RemoteFiles> ReadFilesAsync(GitOpsTarget target, IReadOnlyCollection<string> paths, CancellationToken cancellationToken);

    /// <summary>
    /// Fetches, then says whether <paramref name="ancestor"/> is <paramref name="descendant"/> or an
    /// ancestor of it on the remote branch — how the tracker knows that a newer commit Flux applied
    /// carries the tracked one. Throws <see cref="GitCommandException"/> when the remote cannot be reached.
    /// </summary>
    Task<bool> IsAncestorAsync(GitOpsTarget target, string ancestor, string descendant, CancellationToken cancellationToken);

    /// <summary>
    /// The <c>ControlApi-Revision</c> trailers of the newest commit on the remote branch that touched
    /// <paramref name="path"/> (as of the last fetch): empty when someone other than ControlApi wrote it last.
    /// </summary>
    Task<IReadOnlyList<string>> LastRevisionTrailersAsync(GitOpsTarget target, string path, CancellationToken cancellationToken);
}

/// <summary>
/// Publishing over <see cref="GitWorkingCopy"/> primitives, with operations on one working copy
/// serialized within this process. Across processes, safety comes from git itself: a push never
/// forces, and every retry looks for the revision's trailer first.
/// </summary>
public sealed partial class GitOpsRepository : IGitOpsRepository
{
    private readonly GitWorkingCopyFactory _workingCopies;
    private readonly IOptions<GitClientOptions> _options;
    private readonly ILogger<GitOpsRepository> _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Working copies this process has checked and fetched, with the remote URL they were checked for.</summary>
    private readonly ConcurrentDictionary<string, string> _verified = new(StringComparer.Ordinal);

    public GitOpsRepository(GitWorkingCopyFactory workingCopies, IOptions<GitClientOptions> options, ILogger<GitOpsRepository> logger)
    {
        _workingCopies = workingCopies;
        _options = options;
        _logger = logger;
    }

    /// <remarks>
    /// Optimistic, like a person who pulled a minute ago: the first try builds on the remote head
    /// as last seen and pushes without fetching. That is safe because a push never forces — if
    /// anything landed on the remote since (another committer, or this revision's own commit
    /// pushed just before a crash), the push is rejected, and only then is the branch fetched, the
    /// trailer searched and the change re-applied. (The trailer is looked for in the head last seen
    /// before every try, which costs one <c>git log</c> and keeps replicas from pushing a revision twice.) A build that changes nothing is confirmed the
    /// same way before it is called no change. The first publish in a process always fetches.
    /// </remarks>
    public async Task<PublishResult> PublishAsync(GitOpsTarget target, ManifestCommit commit, CancellationToken cancellationToken)
    {
        var trailer = commit.Message.RevisionTrailerValue;
        var message = commit.Message.Render();
        var maxAttempts = Math.Max(1, _options.Value.MaxPublishAttempts);
        var directory = Path.GetFullPath(target.WorkingDirectory);

        using var exclusive = await LockAsync(target, cancellationToken);
        using var workingCopy = OpenOrFail(target, out var openFailure);
        if (workingCopy is null) return new PublishResult(PublishOutcome.Failed, null, openFailure, 0);

        var attempt = 1;
        try
        {
            string? head;
            bool fetched;
            if (_verified.TryGetValue(directory, out var url) && url == target.Remote.Url && Directory.Exists(Path.Combine(directory, ".git")))
            {
                workingCopy.RemoveStaleLocks();
                head = await workingCopy.GetRemoteHeadAsync(cancellationToken);
                fetched = false;
            }
            else
            {
                head = await workingCopy.EnsureCloneAsync(cancellationToken);
                fetched = true;
                _verified[directory] = target.Remote.Url;
            }

            while (attempt <= maxAttempts)
            {
                // Also on the unfetched first try: the head last seen may already hold this revision.
                // Another replica may have pushed it, and the next one too, and this process may have
                // seen both through another read of the repository (an adoption check fetches). Building
                // on that head would push the revision a second time, after a later one — a fast-forward,
                // so nothing would reject it. A head that does not hold it is either current (push) or
                // behind the remote (rejected, fetched, looked for again).
                var existing = await workingCopy.FindCommitByTrailerAsync(CommitMessage.RevisionTrailerKey, trailer, head, cancellationToken);
                if (existing is not null)
                {
                    LogAlreadyCommitted(_logger, trailer, existing);
                    return new PublishResult(PublishOutcome.AlreadyCommitted, existing, null, attempt);
                }

                if (commit.RefuseForeign is { } guarded && await workingCopy.ReadFileAtRemoteHeadAsync(guarded, cancellationToken) is not null
                    && !(await workingCopy.TrailersOfLastCommitTouchingAsync(CommitMessage.RevisionTrailerKey, guarded, head, cancellationToken))
                        .Any(t => t.StartsWith(commit.Message.ClusterId + "/", StringComparison.Ordinal)))
                {
                    return new PublishResult(PublishOutcome.Refused, head,
                        $"The branch holds {guarded}, last written by a commit that is not one of ControlApi's revisions of {commit.Message.ClusterId}.", attempt);
                }

                var built = await workingCopy.BuildCommitAsync(head, commit.Files, commit.ManagedPaths, message, commit.Author, cancellationToken);
                if (!built.Changed)
                {
                    if (fetched) return new PublishResult(PublishOutcome.NoChange, head, null, attempt);
                    (head, fetched) = (await workingCopy.FetchAsync(cancellationToken), true);
                    continue;
                }

                var push = await workingCopy.PushAsync(built.Sha, cancellationToken);
                switch (push.Outcome)
                {
                    case GitPushOutcome.Pushed:
                        LogCommitted(_logger, trailer, built.Sha, target.Remote.DisplayUrl);
                        return new PublishResult(PublishOutcome.Committed, built.Sha, null, attempt);
                    case GitPushOutcome.Failed:
                        _verified.TryRemove(directory, out _);
                        return new PublishResult(PublishOutcome.Failed, null, push.Reason, attempt);
                    case GitPushOutcome.RejectedNonFastForward:
                        // A stale first try is not a lost race: only re-applies after a fetch count.
                        if (fetched) LogReapplying(_logger, trailer, attempt++);
                        (head, fetched) = (await workingCopy.FetchAsync(cancellationToken), true);
                        continue;
                }
            }
        }
        catch (GitCommandException ex)
        {
            _verified.TryRemove(directory, out _);
            return new PublishResult(PublishOutcome.Failed, null, ex.Reason, attempt);
        }

        return new PublishResult(PublishOutcome.Failed, null,
            $"the remote branch kept moving ahead; gave up after {maxAttempts} attempts", maxAttempts);
    }

    public async Task<RemoteFiles> ReadFilesAsync(GitOpsTarget target, IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        using var exclusive = await LockAsync(target, cancellationToken);
        using var workingCopy = _workingCopies.Open(target.WorkingDirectory, target.Remote);
        var head = await workingCopy.EnsureCloneAsync(cancellationToken);
        var files = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            files[path] = await workingCopy.ReadFileAtRemoteHeadAsync(path, cancellationToken);
        }

        return new RemoteFiles(head, files);
    }

    public async Task<bool> IsAncestorAsync(GitOpsTarget target, string ancestor, string descendant, CancellationToken cancellationToken)
    {
        using var exclusive = await LockAsync(target, cancellationToken);
        using var workingCopy = _workingCopies.Open(target.WorkingDirectory, target.Remote);
        await workingCopy.EnsureCloneAsync(cancellationToken);
        return await workingCopy.IsAncestorAsync(ancestor, descendant, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> LastRevisionTrailersAsync(GitOpsTarget target, string path, CancellationToken cancellationToken)
    {
        using var exclusive = await LockAsync(target, cancellationToken);
        using var workingCopy = _workingCopies.Open(target.WorkingDirectory, target.Remote);
        var head = await workingCopy.EnsureCloneAsync(cancellationToken);
        return await workingCopy.TrailersOfLastCommitTouchingAsync(CommitMessage.RevisionTrailerKey, path, head, cancellationToken);
    }

    /// <summary>An unreadable credential file is a failed publish with a reason, like an unreachable remote.</summary>
    private GitWorkingCopy? OpenOrFail(GitOpsTarget target, out string? failure)
    {
        try
        {
            failure = null;
            return _workingCopies.Open(target.WorkingDirectory, target.Remote);
        }
        catch (GitCommandException ex)
        {
            failure = ex.Reason;
            return null;
        }
    }

    private Task<IDisposable> LockAsync(GitOpsTarget target, CancellationToken cancellationToken) =>
        Turn.TakeAsync(_locks.GetOrAdd(Path.GetFullPath(target.WorkingDirectory), _ => new SemaphoreSlim(1, 1)), cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revision {Revision} committed as {Sha} to {Remote}")]
    private static partial void LogCommitted(ILogger logger, string revision, string sha, string remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revision {Revision} is already on the remote as {Sha}; not committing it again")]
    private static partial void LogAlreadyCommitted(ILogger logger, string revision, string sha);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revision {Revision}: the remote moved ahead (attempt {Attempt}); re-applying onto the new head")]
    private static partial void LogReapplying(ILogger logger, string revision, int attempt);
}
