using ControlApi.GitOps;

namespace ControlApi.Tests.GitOps;

/// <summary>How <c>git push --porcelain</c> answers map to outcomes (lines as git 2.39 prints them).</summary>
public sealed class PushPorcelainTests
{
    private const string Ref = "refs/heads/main";

    [Theory]
    [InlineData(0, " \tHEAD:refs/heads/main\t1a2b3c..4d5e6f", "", GitPushOutcome.Pushed)]
    [InlineData(0, "*\tHEAD:refs/heads/main\t[new branch]", "", GitPushOutcome.Pushed)]
    [InlineData(0, "=\tHEAD:refs/heads/main\t[up to date]", "", GitPushOutcome.Pushed)]
    [InlineData(1, "!\tHEAD:refs/heads/main\t[rejected] (fetch first)", "error: failed to push some refs", GitPushOutcome.RejectedNonFastForward)]
    [InlineData(1, "!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)", "error: failed to push some refs", GitPushOutcome.RejectedNonFastForward)]
    [InlineData(1, "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)", "remote: main is protected", GitPushOutcome.Failed)]
    [InlineData(1, "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)",
        "remote: error: cannot lock ref 'refs/heads/main': is at 7ba18cf66ca22050c050d37fff8dccb32a229473 but expected 814ec1f521a1209149b28f5c95c2b61f7ec4d98c", GitPushOutcome.RejectedNonFastForward)]
    [InlineData(1, "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)",
        "remote: error: cannot lock ref 'refs/heads/main': reference already exists", GitPushOutcome.RejectedNonFastForward)]
    [InlineData(1, "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)", "remote: error: unable to write new ref: No space left on device", GitPushOutcome.Failed)]
    [InlineData(128, "", "fatal: Could not read from remote repository.", GitPushOutcome.Failed)]
    public void Porcelain_lines_decide_the_outcome(int exitCode, string line, string standardError, GitPushOutcome expected)
    {
        var output = new GitOutput(exitCode, $"To /srv/git/gitops.git\n{line}\nDone\n", standardError);

        Assert.Equal(expected, GitWorkingCopy.ParsePorcelain(output, Ref, []).Outcome);
    }

    [Fact]
    public void A_remote_refusal_carries_the_servers_own_words()
    {
        var output = new GitOutput(1, "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n", "remote: main is protected\nerror: failed to push some refs to 'x'\n");

        var result = GitWorkingCopy.ParsePorcelain(output, Ref, []);

        Assert.Equal("the remote refused the push: [remote rejected] (pre-receive hook declined) — main is protected", result.Reason);
    }
}
