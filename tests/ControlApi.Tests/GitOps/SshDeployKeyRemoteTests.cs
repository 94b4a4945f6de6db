using ControlApi.GitOps;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.GitOps;

/// <summary>An SSH remote for real: OpenSSH's server on loopback, a deploy key, strict host keys.</summary>
public sealed class SshDeployKeyRemoteTests : IAsyncLifetime
{
    private readonly GitTestBed _bed = new();
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));
    private SshServer? _server;
    private string _bare = "";

    public async Task InitializeAsync()
    {
        // Skipped facts still construct the class; only start sshd where it exists.
        if (SshServer.UnavailableReason is not null) return;
        _server = await SshServer.StartAsync(_bed.Temp.Combine("sshd"), _deadline.Token);
        _bare = _bed.Temp.Combine("remotes", "gitops.git");
        await _bed.BareRepositories.EnsureCreatedAsync(_bare, "main", GitTestBed.Author, _deadline.Token);
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        _deadline.Dispose();
        _bed.Dispose();
        return Task.CompletedTask;
    }

    private SshServer Server => _server!;
    private CancellationToken Ct => _deadline.Token;

    private GitOpsTarget Target(string keyFile, string knownHostsFile) => new(
        new GitRemote(Server.UrlOf(_bare), "main") { SshKeyFile = keyFile, KnownHostsFile = knownHostsFile },
        _bed.WorkingDirectory);

    [SshFact]
    public async Task With_the_deploy_key_a_revision_is_published_over_ssh_even_from_a_world_readable_key_file()
    {
        var target = Target(Server.DeployKeyFile, Server.KnownHostsFile);

        var result = await _bed.Repository.PublishAsync(target, GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);
        var files = await _bed.Repository.ReadFilesAsync(target, [GitTestBed.CiliumPath + "/release.yaml"], Ct);

        Assert.True(result.Outcome == PublishOutcome.Committed, $"{result.Reason}\n{string.Join('\n', Server.Log)}");
        Assert.Equal(result.CommitSha, await _bed.Git.HeadAsync(_bare));
        Assert.Equal("a: 1\n", files.Files[GitTestBed.CiliumPath + "/release.yaml"]);
    }

    [SshFact]
    public async Task A_host_key_that_known_hosts_does_not_vouch_for_is_refused()
    {
        var result = await _bed.Repository.PublishAsync(Target(Server.DeployKeyFile, Server.WrongKnownHostsFile), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.StartsWith("SSH host key not trusted", result.Reason);
        Assert.Equal(1, await _bed.Git.CountCommitsAsync(_bare, "main"));
    }

    [SshFact]
    public async Task A_key_the_server_does_not_know_fails_as_an_authentication_failure_without_leaking_the_key()
    {
        var result = await _bed.Repository.PublishAsync(Target(Server.UnknownKeyFile, Server.KnownHostsFile), GitTestBed.Revision(1, ("release.yaml", "a: 1\n")), Ct);

        Assert.Equal(PublishOutcome.Failed, result.Outcome);
        Assert.StartsWith("SSH authentication failed", result.Reason);
        var keyBody = File.ReadAllLines(Server.UnknownKeyFile)[1];
        Assert.DoesNotContain(keyBody, _bed.Logs.AllText);
        Assert.DoesNotContain(keyBody, result.Reason);
    }
}
