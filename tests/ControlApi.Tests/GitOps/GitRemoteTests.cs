using ControlApi.GitOps;

namespace ControlApi.Tests.GitOps;

public sealed class GitRemoteTests
{
    [Theory]
    [InlineData("/srv/git/gitops.git", GitRemoteKind.Local)]
    [InlineData("file:///srv/git/gitops.git", GitRemoteKind.Local)]
    [InlineData("./relative:with-colon", GitRemoteKind.Local)]
    [InlineData("ssh://git@github.com/org/gitops.git", GitRemoteKind.Ssh)]
    [InlineData("git@github.com:org/gitops.git", GitRemoteKind.Ssh)]
    [InlineData("github.com:org/gitops.git", GitRemoteKind.Ssh)]
    [InlineData("https://github.com/org/gitops.git", GitRemoteKind.Http)]
    [InlineData("http://127.0.0.1:8080/gitops.git", GitRemoteKind.Http)]
    public void The_kind_of_remote_follows_gits_own_url_rules(string url, GitRemoteKind expected)
    {
        Assert.Equal(expected, GitRemote.KindOf(url));
    }

    [Fact]
    public void Unsupported_schemes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => GitRemote.KindOf("ftp://example.com/repo.git"));
    }

    [Fact]
    public void An_ssh_remote_without_known_hosts_is_refused_before_anything_runs()
    {
        var remote = new GitRemote("git@github.com:org/gitops.git", "main") { SshKeyFile = "/keys/id" };

        var error = Assert.Throws<ArgumentException>(remote.Validate);
        Assert.Contains("KnownHostsFile", error.Message);
    }

    [Theory]
    [InlineData("-delete")]
    [InlineData("main..other")]
    [InlineData("HEAD@{1}")]
    [InlineData("a b")]
    [InlineData("main.lock")]
    [InlineData("")]
    public void Branches_that_git_could_misread_are_refused(string branch)
    {
        Assert.Throws<ArgumentException>(new GitRemote("/srv/git/gitops.git", branch).Validate);
    }

    [Fact]
    public void Printing_a_remote_never_shows_its_userinfo()
    {
        var remote = new GitRemote("https://user:hunter2@example.com/gitops.git", "main");

        Assert.DoesNotContain("hunter2", remote.ToString());
        Assert.DoesNotContain("hunter2", remote.DisplayUrl);
    }
}
