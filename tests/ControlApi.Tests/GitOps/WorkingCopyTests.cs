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

    /// <summary>Fetches, builds "release.yaml" = <paramref name="content"/> on the remote head and, when it changed, pushes it.</summary>
    private async Task<BuiltCommit> PublishReleaseAsync(GitWorkingCopy workingCopy, string content, string message = "cilium: test\n")
    {
        var head = await workingCopy.EnsureCloneAsync(Ct);
        var built = await workingCopy.BuildCommitAsync(head, [new ManagedFile(Release, content)], GitTestBed.ManagedPaths, message, GitTestBed.Author, Ct);
        if (built.Changed) Assert.Equal(GitPushOutcome.Pushed, (await workingCopy.PushAsync(built.Sha, Ct)).Outcome);
        return built;
    }

    [Fact]
    public async Task The_remote_head_is_read_the_same_from_a_loose_ref_a_packed_ref_and_git_itself()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        var first = await PublishReleaseAsync(workingCopy, "a: 1\n");
        var gitDir = Path.Combine(_bed.WorkingDirectory, ".git");
        Assert.Equal(first.Sha, GitWorkingCopy.ReadRefFile(gitDir, "refs/remotes/origin/main"));
        Assert.Equal(first.Sha, await workingCopy.GetRemoteHeadAsync(Ct));

        // Packed (as git gc leaves it): the loose file is gone and the line in packed-refs answers.
        await _bed.Git.RunAsync(_bed.WorkingDirectory, "pack-refs", "--all", "--prune");
        Assert.False(File.Exists(Path.Combine(gitDir, "refs", "remotes", "origin", "main")));
        Assert.Equal(first.Sha, GitWorkingCopy.ReadRefFile(gitDir, "refs/remotes/origin/main"));

        // A newer loose ref beside the stale packed line wins, as in git.
        var second = await PublishReleaseAsync(workingCopy, "a: 2\n");
        Assert.Equal(second.Sha, GitWorkingCopy.ReadRefFile(gitDir, "refs/remotes/origin/main"));
        Assert.Equal((await _bed.Git.RunAsync(_bed.WorkingDirectory, "rev-parse", "refs/remotes/origin/main")).Trim(), await workingCopy.GetRemoteHeadAsync(Ct));
        Assert.Equal(second.Sha, await _bed.Git.HeadAsync(remote));

        // No such ref: git is asked, and says there is none.
        Assert.Null(GitWorkingCopy.ReadRefFile(gitDir, "refs/remotes/origin/nothing"));
    }

    [Fact]
    public async Task An_identical_build_changes_nothing()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        Assert.True((await PublishReleaseAsync(workingCopy, "a: 1\n")).Changed);
        var head = await _bed.Git.HeadAsync(remote);

        var again = await PublishReleaseAsync(workingCopy, "a: 1\n");

        Assert.False(again.Changed);
        Assert.Equal(head, await _bed.Git.HeadAsync(remote));
    }

    [Fact]
    public async Task A_built_commit_has_the_message_author_and_parent_and_keeps_every_other_file()
    {
        var remote = await _bed.CreateRemoteAsync();
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "apps", ("apps/app.yaml", "kind: Deployment\n"), (GitTestBed.CiliumPath + "/bgp.yaml", "old: bgp\n"));
        var parent = await _bed.Git.HeadAsync(remote);
        using var workingCopy = Open(remote);

        var built = await PublishReleaseAsync(workingCopy, "ünïcödé: \"quoted\"\n", "cilium: test  \n\n\n\nReason: why\n\nControlApi-Revision: goldentooth/4\n\n");

        Assert.Equal(built.Sha, await _bed.Git.HeadAsync(remote));
        Assert.Equal("ünïcödé: \"quoted\"\n", await _bed.Git.ShowAsync(remote, "main", Release));
        Assert.Null(await _bed.Git.ShowAsync(remote, "main", GitTestBed.CiliumPath + "/bgp.yaml"));
        Assert.Equal("kind: Deployment\n", await _bed.Git.ShowAsync(remote, "main", "apps/app.yaml"));
        Assert.Equal(parent, (await _bed.Git.RunAsync(remote, "rev-parse", "main^")).Trim());
        var body = await _bed.Git.RunAsync(remote, "log", "-1", "--format=%B", "main");
        Assert.Equal("cilium: test\n\nReason: why\n\nControlApi-Revision: goldentooth/4", body.TrimEnd('\n'));
        Assert.Equal("ControlApi <controlapi@example.test>|ControlApi <controlapi@example.test>",
            (await _bed.Git.RunAsync(remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main")).Trim());
        // Built from objects: nothing was checked out or written in the working copy's folder.
        Assert.Equal([".git"], Directory.EnumerateFileSystemEntries(_bed.WorkingDirectory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_executable_managed_file_with_the_same_content_is_made_plain_by_a_real_commit()
    {
        var remote = await _bed.CreateRemoteAsync();
        var clone = _bed.Temp.Combine("exec-clone");
        await _bed.Git.RunAsync(_bed.Temp.Path, "clone", "--quiet", remote, clone);
        Directory.CreateDirectory(Path.Combine(clone, GitTestBed.CiliumPath));
        await File.WriteAllTextAsync(Path.Combine(clone, Release), "a: 1\n");
        await _bed.Git.RunAsync(clone, "add", "--all");
        await _bed.Git.RunAsync(clone, "update-index", "--chmod=+x", Release);
        await _bed.Git.RunAsync(clone, "commit", "--quiet", "-m", "executable");
        await _bed.Git.RunAsync(clone, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        using var workingCopy = Open(remote);

        var built = await PublishReleaseAsync(workingCopy, "a: 1\n");

        // The commit the build made differs from its parent (the mode), so "no change" would be a lie.
        Assert.True(built.Changed);
        Assert.Equal(built.Sha, await _bed.Git.HeadAsync(remote));
        Assert.StartsWith("100644 ", await _bed.Git.RunAsync(remote, "ls-tree", "main", "--", Release));
    }

    [Fact]
    public async Task A_push_behind_the_remote_is_rejected_and_the_re_apply_path_pushes_on_top_of_the_other_commit()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        var head = await workingCopy.EnsureCloneAsync(Ct);
        var stale = await workingCopy.BuildCommitAsync(head, [new ManagedFile(Release, "a: 1\n")], GitTestBed.ManagedPaths, "cilium: test\n", GitTestBed.Author, Ct);
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "unrelated", ("apps/app.yaml", "kind: Deployment\n"));

        var rejected = await workingCopy.PushAsync(stale.Sha, Ct);
        Assert.Equal(GitPushOutcome.RejectedNonFastForward, rejected.Outcome);

        var newHead = await workingCopy.FetchAsync(Ct);
        var reapplied = await workingCopy.BuildCommitAsync(newHead, [new ManagedFile(Release, "a: 1\n")], GitTestBed.ManagedPaths, "cilium: test\n", GitTestBed.Author, Ct);
        var pushed = await workingCopy.PushAsync(reapplied.Sha, Ct);

        Assert.Equal(GitPushOutcome.Pushed, pushed.Outcome);
        Assert.Equal(reapplied.Sha, await _bed.Git.HeadAsync(remote));
        Assert.Equal("kind: Deployment\n", await _bed.Git.ShowAsync(remote, "main", "apps/app.yaml"));
        Assert.Equal("a: 1\n", await _bed.Git.ShowAsync(remote, "main", Release));
    }

    [Fact]
    public async Task A_push_to_a_missing_remote_fails_with_a_reason()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        var head = await workingCopy.EnsureCloneAsync(Ct);
        var built = await workingCopy.BuildCommitAsync(head, [new ManagedFile(Release, "a: 1\n")], GitTestBed.ManagedPaths, "cilium: test\n", GitTestBed.Author, Ct);
        Directory.Delete(remote, recursive: true);

        var result = await workingCopy.PushAsync(built.Sha, Ct);

        Assert.Equal(GitPushOutcome.Failed, result.Outcome);
        Assert.Contains("does not appear to be a git repository", result.Reason);
    }

    [Fact]
    public async Task The_revision_trailer_finds_our_commit_but_not_a_lookalike_in_a_message_body()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await PublishReleaseAsync(workingCopy, "a: 1\n", "cilium: ours\n\nControlApi-Revision: goldentooth/1\n");
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
        using (var old = Open(oldRemote)) await PublishReleaseAsync(old, "a: 1\n");

        using var moved = Open(newRemote);
        var head = await moved.EnsureCloneAsync(Ct);

        Assert.Null(head);
        Assert.Equal(newRemote, (await _bed.Git.RunAsync(_bed.WorkingDirectory, "remote", "get-url", "origin")).Trim());
        Assert.Null(await moved.ReadFileAtRemoteHeadAsync("old-only.txt", Ct));
        Assert.Null(await moved.ReadFileAtRemoteHeadAsync("README.md", Ct));
        var first = await moved.BuildCommitAsync(head, [new ManagedFile(Release, "a: 2\n")], GitTestBed.ManagedPaths, "cilium: first\n", GitTestBed.Author, Ct);
        Assert.Equal(GitPushOutcome.Pushed, (await moved.PushAsync(first.Sha, Ct)).Outcome);
        Assert.Equal([Release], await _bed.Git.ListFilesAsync(newRemote, "main"));
    }

    [Fact]
    public async Task Leftovers_of_a_crash_do_not_stop_the_next_operation()
    {
        var remote = await _bed.CreateRemoteAsync();
        using (var first = Open(remote)) await PublishReleaseAsync(first, "a: 1\n");

        // As if the process died mid-build: locks on the index and on the private ref, a stray file.
        Directory.CreateDirectory(Path.Combine(_bed.WorkingDirectory, ".git", "refs", "controlapi"));
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, ".git", "refs", "controlapi", "publish.lock"), "");
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, ".git", "index.lock"), "");
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, "stray.tmp"), "x");

        using var next = Open(remote);
        var built = await PublishReleaseAsync(next, "a: 2\n");

        Assert.True(built.Changed);
        Assert.Equal("a: 2\n", await _bed.Git.ShowAsync(remote, "main", Release));
        Assert.DoesNotContain("stray.tmp", await _bed.Git.ListFilesAsync(remote, "main"));
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
    public async Task Paths_escaping_the_repository_are_refused(string path)
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        var head = await workingCopy.EnsureCloneAsync(Ct);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            workingCopy.BuildCommitAsync(head, [new ManagedFile(path, "x")], [path], "cilium: test\n", GitTestBed.Author, Ct));
    }

    [Fact]
    public async Task A_rendered_file_outside_the_managed_paths_is_refused()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        var head = await workingCopy.EnsureCloneAsync(Ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            workingCopy.BuildCommitAsync(head, [new ManagedFile("README.md", "overwritten")], GitTestBed.ManagedPaths, "cilium: test\n", GitTestBed.Author, Ct));

        Assert.Contains("not a managed path", error.Message);
        Assert.NotEqual("overwritten", await _bed.Git.ShowAsync(remote, "main", "README.md"));
    }

    [Fact]
    public async Task A_symlink_in_the_repository_is_neither_followed_nor_replaced()
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
        var before = await _bed.Git.HeadAsync(remote);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PublishReleaseAsync(Open(remote), "x"));

        Assert.Contains("'gitops/infrastructure/cilium' is not a folder in the repository (a symbolic link)", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal(before, await _bed.Git.HeadAsync(remote));
    }

    [Fact]
    public async Task A_directory_where_a_managed_file_belongs_is_refused()
    {
        var remote = await _bed.CreateRemoteAsync();
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "a folder", (Release + "/inside.yaml", "mine\n"));
        var before = await _bed.Git.HeadAsync(remote);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PublishReleaseAsync(Open(remote), "x"));

        Assert.Contains($"Managed path '{Release}' is a directory in the repository", error.Message);
        Assert.Equal(before, await _bed.Git.HeadAsync(remote));
        Assert.Equal("mine\n", await _bed.Git.ShowAsync(remote, "main", Release + "/inside.yaml"));
    }

    [Fact]
    public async Task Reading_at_the_remote_head_ignores_local_uncommitted_edits()
    {
        var remote = await _bed.CreateRemoteAsync();
        using var workingCopy = Open(remote);
        await PublishReleaseAsync(workingCopy, "a: 1\n");
        Directory.CreateDirectory(Path.Combine(_bed.WorkingDirectory, GitTestBed.CiliumPath));
        await File.WriteAllTextAsync(Path.Combine(_bed.WorkingDirectory, Release), "local edit", Ct);

        Assert.Equal("a: 1\n", await workingCopy.ReadFileAtRemoteHeadAsync(Release, Ct));
        Assert.Null(await workingCopy.ReadFileAtRemoteHeadAsync(GitTestBed.CiliumPath + "/bgp.yaml", Ct));
    }
}
