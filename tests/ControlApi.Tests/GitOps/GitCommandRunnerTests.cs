using ControlApi.GitOps;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.GitOps;

public sealed class GitCommandRunnerTests : IDisposable
{
    private readonly GitTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task No_configuration_from_the_machine_or_the_user_reaches_git()
    {
        using var session = GitSession.Open(remote: null, _bed.Options.Value);

        var output = await _bed.Runner.RunAsync(new GitInvocation(_bed.Temp.Path, ["config", "--list", "--show-origin"], session), CancellationToken.None);

        var origins = output.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]).Distinct();
        Assert.Equal(["command line:"], origins);
    }

    [Fact]
    public async Task A_failing_command_raises_an_exception_with_gits_reason_and_secrets_hidden()
    {
        using var session = GitSession.Open(remote: null, _bed.Options.Value);
        var invocation = new GitInvocation(_bed.Temp.Path, ["ls-remote", "https://user:pa55word@127.0.0.1:1/x.git"], session);

        var error = await Assert.ThrowsAsync<GitCommandException>(() => _bed.Runner.RunAsync(invocation, CancellationToken.None));

        Assert.Equal(128, error.ExitCode);
        Assert.StartsWith("remote unreachable:", error.Reason);
        Assert.DoesNotContain("pa55word", error.Message);
        Assert.DoesNotContain("pa55word", _bed.Logs.AllText);
        Assert.Contains("git ls-remote https://***@127.0.0.1:1/x.git", _bed.Logs.AllText);
    }

    [Fact]
    public async Task A_missing_git_executable_is_reported_as_such()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new GitClientOptions { GitExecutable = _bed.Temp.Combine("no-git-here"), ScratchDirectory = _bed.Temp.Combine("scratch") });
        var runner = new GitCommandRunner(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<GitCommandRunner>.Instance);
        using var session = GitSession.Open(remote: null, options.Value);

        var error = await Assert.ThrowsAsync<GitCommandException>(() => runner.RunAsync(new GitInvocation(_bed.Temp.Path, ["version"], session), CancellationToken.None));

        Assert.Contains("could not be started", error.Reason);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_stays_a_cancellation()
    {
        using var session = GitSession.Open(remote: null, _bed.Options.Value);
        using var silent = SilentServer.Start();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var invocation = new GitInvocation(_bed.Temp.Path, ["ls-remote", $"http://127.0.0.1:{silent.Port}/x.git"], session);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _bed.Runner.RunAsync(invocation, cancel.Token));
    }
}
