using ControlApi.Core.Rendering;
using ControlApi.GitOps;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.GitOps;

/// <summary>The primitives under the publisher, against real bare repositories.</summary>
public sealed class WorkingCopyTests : IDisposable
{
    private const string Release = GitTestBed.CiliumPath + "/release.yaml";

    private readonly GitTestBed _bed = new();
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));

    public void Dispose()
    {
        _deadline.Dispose();
        _bed.Dispose();
    }

    private CancellationToken Ct => _deadline.Token;

    private GitWorkingCopy Open(string remote) => _bed.WorkingCopies.Open(_bed.WorkingDirectory, new GitRemote(remote, "main"));

    private async Task<string?> CommitReleaseAsync(GitWorkingCopy workingCopy, string content, string message = "cilium: test\n")
    {
        await workingCopy.EnsureCloneAsync(Ct);
        return await workingCopy.CommitOntoRemoteHeadAsync([new ManagedFile(Release, content)], GitTestBed.ManagedPaths, message, GitTestBed.Author, Ct);
    }

    [Fact]
    public async Task An_identical_write_commits_nothing()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        Assert.NotNull(await CommitReleaseAsync(workingCopy, "a: 1\n"));
        Assert.Equal(GitPushOutcome.Pushed, (await workingCopy.PushAsync(Ct)).Outcome);

        var again = await CommitReleaseAsync(workingCopy, "a: 1\n");

        Assert.Null(again);
    }

    [Fact]
    public async Task A_push_behind_the_remote_is_rejected_and_the_re_apply_path_pushes_on_top_of_the_other_commit()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await CommitReleaseAsync(workingCopy, "a: 1\n");
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "unrelated", ("apps/app.yaml", "kind: Deployment\n"));

        var rejected = await workingCopy.PushAsync(Ct);
        Assert.Equal(GitPushOutcome.RejectedNonFastForward, rejected.Outcome);

        await workingCopy.FetchAsync(Ct);
        var reapplied = await workingCopy.CommitOntoRemoteHeadAsync([new ManagedFile(Release, "a: 1\n")], GitTestBed.ManagedPaths, "cilium: test\n", GitTestBed.Author, Ct);
        var pushed = await workingCopy.PushAsync(Ct);

        Assert.Equal(GitPushOutcome.Pushed, pushed.Outcome);
        Assert.Equal(reapplied, await _bed.Git.HeadAsync(remote));
        Assert.Equal("kind: Deployment\n", await _bed.Git.ShowAsync(remote, "main", "apps/app.yaml"));
        Assert.Equal("a: 1\n", await _bed.Git.ShowAsync(remote, "main", Release));
    }

    [Fact]
    public async Task A_push_to_a_missing_remote_fails_with_a_reason()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await CommitReleaseAsync(workingCopy, "a: 1\n");
        Directory.Delete(remote, recursive: true);

        var result = await workingCopy.PushAsync(Ct);

        Assert.Equal(GitPushOutcome.Failed, result.Outcome);
        Assert.Contains("does not appear to be a git repository", result.Reason);
    }

    [Fact]
    public async Task The_revision_trailer_finds_our_commit_but_not_a_lookalike_in_a_message_body()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await CommitReleaseAsync(workingCopy, "a: 1\n", "cilium: ours\n\nControlApi-Revision: goldentooth/1\n");
        await workingCopy.PushAsync(Ct);
        var ours = await _bed.Git.HeadAsync(remote);
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path,
            "docs: mention a revision\n\nControlApi-Revision: goldentooth/2\n\nThe line above is prose in the body, not a trailer.",
            ("docs/notes.md", "notes\n"));
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path,
            "cilium: someone else's\n\nControlApi-Revision: goldentooth/10", ("docs/more.md", "more\n"));
        await workingCopy.FetchAsync(Ct);

        Assert.Equal(ours, await workingCopy.FindCommitByTrailerAsync(CommitMessage.RevisionTrailerKey, "goldentooth/1", Ct));
        Assert.Null(await workingCopy.FindCommitByTrailerAsync(CommitMessage.RevisionTrailerKey, "goldentooth/2", Ct));
        Assert.NotNull(await workingCopy.FindCommitByTrailerAsync(CommitMessage.RevisionTrailerKey, "goldentooth/10", Ct));
        Assert.Null(await workingCopy.FindCommitByTrailerAsync(CommitMessage.RevisionTrailerKey, "goldentooth/3", Ct));
    }

    [Fact]
    public async Task A_working_copy_follows_a_remote_that_moved()
    {
        var oldRemote = await _bed.CreateRemoteAsync("old.git");
        var newRemote = await _bed.Git.InitBareAsync(_bed.Temp.Combine("remotes", "new.git"));
        await _bed.Git.CommitAndPushAsync(oldRemote, "main", _bed.Temp.Path, "old only", ("old-only.txt", "old\n"));
        using (var old = Open(oldRemote)) await CommitReleaseAsync(old, "a: 1\n");

        using var moved = Open(newRemote);
        var head = await moved.EnsureCloneAsync(Ct);
        await moved.ResetToRemoteBranchAsync(Ct);

        Assert.Null(head);
        Assert.Equal(newRemote, (await _bed.Git.RunAsync(_bed.WorkingDirectory, "remote", "get-url", "origin")).Trim());
        Assert.False(File.Exists(Path.Combine(_bed.WorkingDirectory, "old-only.txt")));
        Assert.Null(await moved.ReadFileAtRemoteHeadAsync("README.md", Ct));
    }

    [Fact]
    public async Task Leftovers_of_a_crash_do_not_survive_the_next_operation()
    {
        var remote = await _bed.CreateRemoteAsync();
        using (var first = Open(remote))
        {
            await CommitReleaseAsync(first, "a: 1\n");
            await first.PushAsync(Ct);
        }

        // As if the process died mid-write: a half-written managed file, a stray file, a lock.
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, Release), "a: hal");
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, "stray.tmp"), "x");
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, ".git", "index.lock"), "");

        using var next = Open(remote);
        await next.EnsureCloneAsync(Ct);
        await next.ResetToRemoteBranchAsync(Ct);

        Assert.Equal("a: 1\n", await File.ReadAllTextAsync(Path.Combine(_bed.WorkingDirectory, Release), Ct));
        Assert.False(File.Exists(Path.Combine(_bed.WorkingDirectory, "stray.tmp")));
        Assert.False(File.Exists(Path.Combine(_bed.WorkingDirectory, ".git", "index.lock")));
    }

    [Fact]
    public async Task A_directory_that_is_not_a_working_copy_is_never_wiped()
    {
        var remote = await _bed.CreateRemoteAsync();
        Directory.CreateDirectory(_bed.WorkingDirectory);
        var precious = Path.Combine(_bed.WorkingDirectory, "precious.txt");
        await File.WriteAllTextAsync(precious, "keep me", Ct);
        using var workingCopy = Open(remote);

        await Assert.ThrowsAsync<InvalidOperationException>(() => workingCopy.EnsureCloneAsync(Ct));

        Assert.True(File.Exists(precious));
    }

    [Theory]
    [InlineData("../escape.yaml")]
    [InlineData("/tmp/escape.yaml")]
    [InlineData(".git/config")]
    public async Task Paths_escaping_the_working_copy_are_refused(string path)
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await workingCopy.EnsureCloneAsync(Ct);
        await workingCopy.ResetToRemoteBranchAsync(Ct);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            workingCopy.WriteManagedFilesAsync([new ManagedFile(path, "x")], [path], Ct));
    }

    [Fact]
    public async Task A_rendered_file_outside_the_managed_paths_is_refused()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await workingCopy.EnsureCloneAsync(Ct);
        await workingCopy.ResetToRemoteBranchAsync(Ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            workingCopy.WriteManagedFilesAsync([new ManagedFile("README.md", "overwritten")], GitTestBed.ManagedPaths, Ct));

        Assert.Contains("not a managed path", error.Message);
        Assert.NotEqual("overwritten", await File.ReadAllTextAsync(Path.Combine(_bed.WorkingDirectory, "README.md"), Ct));
    }

    [Fact]
    public async Task A_symlink_in_the_repository_cannot_carry_a_write_outside()
    {
        var remote = await _bed.CreateRemoteAsync();
        var outside = Directory.CreateDirectory(_bed.Temp.Combine("outside")).FullName;
        var clone = _bed.Temp.Combine("evil-clone");
        await _bed.Git.RunAsync(_bed.Temp.Path, "clone", "--quiet", remote, clone);
        Directory.CreateDirectory(Path.Combine(clone, "gitops", "infrastructure"));
        File.CreateSymbolicLink(Path.Combine(clone, "gitops", "infrastructure", "cilium"), outside);
        await _bed.Git.RunAsync(clone, "add", "--all");
        await _bed.Git.RunAsync(clone, "commit", "--quiet", "-m", "symlink");
        await _bed.Git.RunAsync(clone, "push", "--quiet", "origin", "HEAD:refs/heads/main");

        using var workingCopy = Open(remote);
        await workingCopy.EnsureCloneAsync(Ct);
        await workingCopy.ResetToRemoteBranchAsync(Ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            workingCopy.WriteManagedFilesAsync([new ManagedFile(Release, "x")], GitTestBed.ManagedPaths, Ct));
        Assert.Contains("symbolic link", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task Reading_at_the_remote_head_ignores_local_uncommitted_edits()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await CommitReleaseAsync(workingCopy, "a: 1\n");
        await workingCopy.PushAsync(Ct);
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, Release), "local edit", Ct);

        Assert.Equal("a: 1\n", await workingCopy.ReadFileAtRemoteHeadAsync(Release, Ct));
        Assert.Null(await workingCopy.ReadFileAtRemoteHeadAsync(GitTestBed.CiliumPath + "/bgp.yaml", Ct));
    }
}
