using ControlApi.GitOps;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.GitOps;

/// <summary>The commit job's view: publish a revision to a real bare repository and look at what landed.</summary>
public sealed class PublishingTests : IDisposable
{
    private readonly GitTestBed _bed = new();
    // A hang fails the test instead of blocking the run.
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));

    public void Dispose()
    {
        _deadline.Dispose();
        _bed.Dispose();
    }

    private CancellationToken Ct => _deadline.Token;

    [Fact]
    public async Task A_published_revision_is_a_commit_on_the_remote_with_its_files_message_trailer_and_author()
    {
        var remote = await _bed.CreateRemoteAsync();
        var commit = GitTestBed.Revision(1, "turn on WireGuard", ("release.yaml", "kind: HelmRelease\n"), ("kustomization.yaml", "resources:\n- release.yaml\n"));

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), commit, Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        Assert.Equal(result.CommitSha, await _bed.Git.HeadAsync(remote));
        Assert.Equal("kind: HelmRelease\n", await _bed.Git.ShowAsync(remote, "main", $"{GitTestBed.CiliumPath}/release.yaml"));
        Assert.Equal("resources:\n- release.yaml\n", await _bed.Git.ShowAsync(remote, "main", $"{GitTestBed.CiliumPath}/kustomization.yaml"));

        var message = await _bed.Git.RunAsync(remote, "log", "-1", "--format=%B", "main");
        Assert.Equal(commit.Message.Render(), message.TrimEnd('\n') + "\n");
        Assert.Equal("goldentooth/1", (await _bed.Git.RunAsync(remote, "log", "-1", "--format=%(trailers:key=ControlApi-Revision,valueonly)", "main")).Trim());
        Assert.Equal("ControlApi <controlapi@example.test> / ControlApi <controlapi@example.test>",
            (await _bed.Git.RunAsync(remote, "log", "-1", "--format=%an <%ae> / %cn <%ce>", "main")).Trim());
    }

    [Fact]
    public async Task Publishing_the_same_files_again_makes_no_commit()
    {
        var remote = await _bed.CreateRemoteAsync();
        var first = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        var second = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(2, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.NoChange, second.Outcome);
        Assert.Equal(first.CommitSha, second.CommitSha);
        Assert.Equal(2, await _bed.Git.CountCommitsAsync(remote, "main"));
    }

    [Fact]
    public async Task A_revision_already_on_the_remote_is_found_and_not_committed_twice()
    {
        var remote = await _bed.CreateRemoteAsync();
        var revision = GitTestBed.Revision(3, ("release.yaml", "a: 1\n"));
        var pushed = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), revision, Ct);
        // Someone changes the file afterwards, so re-applying revision 3 would be a real change.
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "manual edit", ($"{GitTestBed.CiliumPath}/release.yaml", "a: 2\n"));

        // As after a crash between the push and the database update: the job runs again.
        var again = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), revision, Ct);

        Assert.Equal(PublishOutcome.AlreadyCommitted, again.Outcome);
        Assert.Equal(pushed.CommitSha, again.CommitSha);
        Assert.Equal(3, await _bed.Git.CountCommitsAsync(remote, "main"));
    }

    [Fact]
    public async Task A_push_whose_local_record_was_lost_is_found_and_not_committed_twice()
    {
        var remote = await _bed.CreateRemoteAsync();
        var revision = GitTestBed.Revision(4, ("release.yaml", "a: 1\n"));
        var pushed = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), revision, Ct);
        // As if the process died after the remote took the push but before git noted it locally:
        // the working copy still believes the remote is at the parent, where revision 4 is a change.
        await _bed.Git.RunAsync(_bed.WorkingDirectory, "update-ref", "refs/remotes/origin/main", pushed.CommitSha + "^");

        // The retry's commit differs from the first (in real life by its time; here by its reason,
        // as a retry within the same second would otherwise be the very same commit object).
        var retry = GitTestBed.Revision(4, "retried after a crash", ("release.yaml", "a: 1\n"));

        var again = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), retry, Ct);

        Assert.Equal(PublishOutcome.AlreadyCommitted, again.Outcome);
        Assert.Equal(pushed.CommitSha, again.CommitSha);
        Assert.Equal(pushed.CommitSha, await _bed.Git.HeadAsync(remote));
    }

    [Fact]
    public async Task A_working_copy_behind_the_remote_still_publishes_on_top_and_keeps_the_other_committers_file()
    {
        var remote = await _bed.CreateRemoteAsync();
        await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);
        var theirs = await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "add apps", ("apps/podinfo.yaml", "kind: Deployment\n"));

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(2, ("release.yaml", "a: 2\n")), Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        Assert.Equal(theirs, (await _bed.Git.RunAsync(remote, "rev-parse", $"{result.CommitSha}^")).Trim());
        Assert.Equal("kind: Deployment\n", await _bed.Git.ShowAsync(remote, "main", "apps/podinfo.yaml"));
    }

    [Fact]
    public async Task Only_managed_paths_are_written_and_deleted_and_everything_else_is_left_alone()
    {
        var remote = await _bed.CreateRemoteAsync();
        await _bed.Git.CommitAndPushAsync(remote, "main", _bed.Temp.Path, "human files",
            ($"{GitTestBed.CiliumPath}/custom-policy.yaml", "kind: CiliumNetworkPolicy\n"),
            ("talos/patches/other.yaml", "machine: {}\n"));
        await _bed.Repository.PublishAsync(_bed.TargetFor(remote),
            GitTestBed.Revision(1, ("release.yaml", "a: 1\n"), ("bgp.yaml", "kind: CiliumBGPClusterConfig\n")), Ct);

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(2, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        var files = await _bed.Git.ListFilesAsync(remote, "main");
        Assert.Equal(
            ["README.md", $"{GitTestBed.CiliumPath}/custom-policy.yaml", $"{GitTestBed.CiliumPath}/release.yaml", "talos/patches/other.yaml"],
            files.Order(StringComparer.Ordinal));
        Assert.Equal("kind: CiliumNetworkPolicy\n", await _bed.Git.ShowAsync(remote, "main", $"{GitTestBed.CiliumPath}/custom-policy.yaml"));
    }

    [Fact]
    public async Task A_remote_that_moves_ahead_during_the_push_is_re_applied_onto_and_pushed()
    {
        await using var server = await GitHttpServer.StartAsync(_bed.Temp.Combine("http"), token: null);
        var bare = await server.CreateRepositoryAsync(_bed.BareRepositories, "gitops.git");
        // The colleague pushes exactly while our push is being negotiated, after our fetch.
        server.BeforeNextReceivePack(() => _bed.Git.CommitAndPushAsync(bare, "main", _bed.Temp.Path, "colleague", ("apps/app.yaml", "kind: Deployment\n")));

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(server.UrlOf("gitops.git")), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        Assert.Equal(2, result.Attempts);
        Assert.Equal("kind: Deployment\n", await _bed.Git.ShowAsync(bare, "main", "apps/app.yaml"));
        Assert.Equal("a: 1\n", await _bed.Git.ShowAsync(bare, "main", $"{GitTestBed.CiliumPath}/release.yaml"));
        Assert.Equal(result.CommitSha, await _bed.Git.HeadAsync(bare));
    }

    [Fact]
    public async Task A_missing_remote_fails_with_a_readable_reason()
    {
        var missing = _bed.Temp.Combine("remotes", "nowhere.git");

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(missing), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.StartsWith("remote unreachable:", result.Reason);
        Assert.Contains("does not appear to be a git repository", result.Reason);
    }

    [Fact]
    public async Task An_unreachable_http_remote_fails_without_its_userinfo_in_the_reason()
    {
        var port = FreePort.Find();
        var url = $"http://deploy:hunter2-secret@127.0.0.1:{port}/gitops.git";

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(url), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.StartsWith("remote unreachable:", result.Reason);
        Assert.DoesNotContain("hunter2-secret", result.Reason);
        Assert.DoesNotContain("hunter2-secret", _bed.Logs.AllText);
    }

    [Fact]
    public async Task A_remote_that_never_answers_is_given_up_after_the_timeout()
    {
        using var bed = new GitTestBed(commandTimeout: TimeSpan.FromSeconds(2));
        using var silent = SilentServer.Start();

        var result = await bed.Repository.PublishAsync(bed.TargetFor($"http://127.0.0.1:{silent.Port}/gitops.git"), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.Contains("no answer within 2 s", result.Reason);
        // git hands HTTP to a git-remote-http child; the kill must take the whole tree.
        if (ProcessTable.IsAvailable)
        {
            Assert.True(ProcessTable.NoneContaining($"127.0.0.1:{silent.Port}", TimeSpan.FromSeconds(5)),
                string.Join('\n', ProcessTable.CommandLinesContaining($"127.0.0.1:{silent.Port}")));
        }
    }

    [Fact]
    public async Task An_empty_remote_gets_its_branch_from_the_first_revision()
    {
        var remote = await _bed.Git.InitBareAsync(_bed.Temp.Combine("remotes", "empty.git"));

        var result = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        Assert.Equal(1, await _bed.Git.CountCommitsAsync(remote, "main"));
        Assert.Equal([$"{GitTestBed.CiliumPath}/release.yaml"], await _bed.Git.ListFilesAsync(remote, "main"));
    }

    [Fact]
    public async Task Reading_files_for_a_plan_gives_the_remote_head_and_null_for_absent_files()
    {
        var remote = await _bed.CreateRemoteAsync();
        var published = await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        var files = await _bed.Repository.ReadFilesAsync(_bed.TargetFor(remote), [$"{GitTestBed.CiliumPath}/release.yaml", $"{GitTestBed.CiliumPath}/bgp.yaml"], Ct);

        Assert.Equal(published.CommitSha, files.HeadSha);
        Assert.Equal("a: 1\n", files.Files[$"{GitTestBed.CiliumPath}/release.yaml"]);
        Assert.Null(files.Files[$"{GitTestBed.CiliumPath}/bgp.yaml"]);
    }

    [Fact]
    public async Task Reading_an_empty_remote_gives_no_head_and_no_files()
    {
        var remote = await _bed.Git.InitBareAsync(_bed.Temp.Combine("remotes", "empty.git"));

        var files = await _bed.Repository.ReadFilesAsync(_bed.TargetFor(remote), [$"{GitTestBed.CiliumPath}/release.yaml"], Ct);

        Assert.Null(files.HeadSha);
        Assert.Null(files.Files[$"{GitTestBed.CiliumPath}/release.yaml"]);
    }

    [Fact]
    public async Task Concurrent_publishes_to_one_working_copy_take_turns()
    {
        var remote = await _bed.CreateRemoteAsync();
        var target = _bed.TargetFor(remote);

        var results = await Task.WhenAll(
            _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct),
            _bed.Repository.PublishAsync(target, GitTestBed.Revision(2, ("release.yaml", "a: 2\n")), Ct));

        Assert.All(results, r => Assert.Equal(PublishOutcome.Committed, r.Outcome));
        Assert.Equal(3, await _bed.Git.CountCommitsAsync(remote, "main"));
    }

    [Fact]
    public async Task No_scratch_directory_or_key_copy_outlives_an_operation()
    {
        var remote = await _bed.CreateRemoteAsync();

        await _bed.Repository.PublishAsync(_bed.TargetFor(remote), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);
        await _bed.Repository.PublishAsync(_bed.TargetFor(_bed.Temp.Combine("missing.git")), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Empty(Directory.EnumerateFileSystemEntries(_bed.Options.Value.ScratchDirectory!));
    }
}
