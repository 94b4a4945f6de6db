using ControlApi.GitOps;

namespace ControlApi.Tests.GitOps;

public sealed class RepositoryPathTests
{
    [Theory]
    [InlineData("../outside.yaml")]
    [InlineData("gitops/../../outside.yaml")]
    [InlineData("/etc/passwd")]
    [InlineData("C:/windows/system.ini")]
    [InlineData(".git/config")]
    [InlineData("gitops/.GIT/hooks/pre-commit")]
    [InlineData("gitops\\release.yaml")]
    [InlineData("gitops//release.yaml")]
    [InlineData("./release.yaml")]
    [InlineData("gitops/release.yaml\n")]
    [InlineData("")]
    public void Paths_that_could_escape_the_working_copy_are_refused(string path)
    {
        Assert.Throws<ArgumentException>(() => RepositoryPath.Normalize(path));
    }

    [Fact]
    public void Ordinary_repository_paths_pass_unchanged()
    {
        Assert.Equal("gitops/infrastructure/cilium/release.yaml", RepositoryPath.Normalize("gitops/infrastructure/cilium/release.yaml"));
    }
}
