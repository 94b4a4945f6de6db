using ControlApi.GitOps;

namespace ControlApi.Tests.GitOps;

public sealed class GitRedactorTests
{
    [Theory]
    [InlineData("fatal: unable to access 'https://ghp_secret@github.com/org/repo.git/'", "fatal: unable to access 'https://***@github.com/org/repo.git/'")]
    [InlineData("https://user:hunter2@example.com/repo", "https://***@example.com/repo")]
    [InlineData("ssh://git:pw@example.com/repo", "ssh://git:***@example.com/repo")]
    [InlineData("ssh://git@example.com/repo", "ssh://git@example.com/repo")]
    [InlineData("Authorization: Basic eC1hY2Nlc3M=", "Authorization: Basic ***")]
    [InlineData("http.extraHeader=Authorization: Bearer abc.def", "http.extraHeader=Authorization: Bearer ***")]
    [InlineData("nothing secret here", "nothing secret here")]
    public void Urls_and_authorization_values_are_hidden(string text, string expected)
    {
        Assert.Equal(expected, GitRedactor.Redact(text, []));
    }

    [Fact]
    public void Known_secret_values_are_hidden_wherever_they_appear()
    {
        var redacted = GitRedactor.Redact("token s3cr3t-token-value appeared twice: s3cr3t-token-value", ["s3cr3t-token-value", ""]);

        Assert.Equal("token *** appeared twice: ***", redacted);
    }
}
