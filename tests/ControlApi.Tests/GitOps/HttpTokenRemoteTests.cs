using ControlApi.GitOps;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.GitOps;

/// <summary>
/// An authenticated remote for real: git's smart-HTTP server behind Kestrel on loopback, which
/// demands the token in an Authorization header.
/// </summary>
public sealed class HttpTokenRemoteTests : IAsyncLifetime
{
    private const string Token = "ghs_ControlApiTestToken0123456789abcdef";

    private readonly GitTestBed _bed = new();
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));
    private GitHttpServer _server = null!;
    private string _bare = "";

    public async Task InitializeAsync()
    {
        _server = await GitHttpServer.StartAsync(_bed.Temp.Combine("http"), Token);
        _bare = await _server.CreateRepositoryAsync(_bed.BareRepositories, "gitops.git");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _deadline.Dispose();
        _bed.Dispose();
    }

    private CancellationToken Ct => _deadline.Token;

    private GitOpsTarget TargetWithTokenFile(string token)
    {
        var tokenFile = _bed.Temp.Combine("token-" + Guid.NewGuid().ToString("N"));
        // Mounted secrets often end with a newline; it is not part of the token.
        File.WriteAllText(tokenFile, token + "\n");
        return new GitOpsTarget(new GitRemote(_server.UrlOf("gitops.git"), "main") { TokenFile = tokenFile }, _bed.WorkingDirectory);
    }

    [Fact]
    public async Task With_the_right_token_a_revision_is_published_and_readable()
    {
        var target = TargetWithTokenFile(Token);

        var result = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);
        var files = await _bed.Repository.ReadFilesAsync(target, [GitTestBed.CiliumPath + "/release.yaml"], Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        Assert.Equal(result.CommitSha, await _bed.Git.HeadAsync(_bare));
        Assert.Equal("a: 1\n", files.Files[GitTestBed.CiliumPath + "/release.yaml"]);
    }

    [Fact]
    public async Task An_empty_remote_over_http_gets_its_branch_from_the_first_revision()
    {
        var empty = await _bed.Git.InitBareAsync(_bed.Temp.Combine("http", "empty.git"));
        var target = TargetWithTokenFile(Token);
        target = target with { Remote = target.Remote with { Url = _server.UrlOf("empty.git") } };

        var result = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Committed, result.Outcome);
        Assert.Equal(result.CommitSha, await _bed.Git.HeadAsync(empty));
    }

    [Fact]
    public async Task Without_a_token_the_server_refuses_and_the_publish_fails_as_an_authentication_failure()
    {
        var target = new GitOpsTarget(new GitRemote(_server.UrlOf("gitops.git"), "main"), _bed.WorkingDirectory);

        var result = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.StartsWith("authentication failed:", result.Reason);
        Assert.True(_server.UnauthorizedRequests > 0);
    }

    [Fact]
    public async Task With_a_wrong_token_the_publish_fails_and_neither_token_appears_anywhere()
    {
        const string wrongToken = "ghs_WrongTokenValue9876543210zyxwvu";
        var target = TargetWithTokenFile(wrongToken);

        var result = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.StartsWith("authentication failed:", result.Reason);
        Assert.Equal(1, await _bed.Git.CountCommitsAsync(_bare, "main"));
        foreach (var secret in new[] { wrongToken, Token })
        {
            Assert.DoesNotContain(secret, result.Reason);
            Assert.DoesNotContain(secret, _bed.Logs.AllText);
        }
    }

    [Fact]
    public async Task The_token_travels_only_in_a_header_never_in_a_url_or_the_working_copys_config()
    {
        var target = TargetWithTokenFile(Token);

        await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.NotEmpty(_server.RequestTargets);
        Assert.All(_server.RequestTargets, t => Assert.DoesNotContain(Token, t));
        var config = await File.ReadAllTextAsync(Path.Combine(_bed.WorkingDirectory, ".git", "config"), Ct);
        Assert.DoesNotContain(Token, config);
        Assert.DoesNotContain("extraheader", config, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, _bed.Logs.AllText);
    }

    [Fact]
    public async Task A_rotated_token_file_is_read_at_the_next_operation()
    {
        var target = TargetWithTokenFile("ghs_OldTokenThatWasRevoked0000000000");
        var refused = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        await File.WriteAllTextAsync(target.Remote.TokenFile!, Token, Ct);
        var accepted = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, refused.Outcome);
        Assert.Equal(PublishOutcome.Committed, accepted.Outcome);
    }

    [Fact]
    public async Task A_push_the_server_refuses_fails_with_the_servers_reason()
    {
        var hook = Path.Combine(_bare, "hooks", "pre-receive");
        await File.WriteAllTextAsync(hook, "#!/bin/sh\necho 'main is protected: open a pull request' >&2\nexit 1\n", Ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await _bed.Repository.PublishAsync(TargetWithTokenFile(Token), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.Contains("the remote refused the push", result.Reason);
        Assert.Contains("main is protected: open a pull request", result.Reason);
    }

    [Fact]
    public async Task A_missing_token_file_is_a_failed_publish_that_says_which_file()
    {
        var remote = new GitRemote(_server.UrlOf("gitops.git"), "main") { TokenFile = _bed.Temp.Combine("no-such-token") };

        var result = await _bed.Repository.PublishAsync(new GitOpsTarget(remote, _bed.WorkingDirectory), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.Contains("no-such-token", result.Reason);
    }
}
