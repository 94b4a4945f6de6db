using ControlApi.GitOps;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ControlApi.Tests.GitOps;

public sealed class GitOpsRegistrationTests
{
    [Fact]
    public void AddGitOps_provides_the_repository_the_bare_repository_and_bound_options()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ControlApi:Git:CommandTimeout"] = "00:00:05" })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddGitOps(configuration).BuildServiceProvider(validateScopes: true);

        Assert.IsType<GitOpsRepository>(services.GetRequiredService<IGitOpsRepository>());
        Assert.NotNull(services.GetRequiredService<BareRepository>());
        Assert.NotNull(services.GetRequiredService<GitWorkingCopyFactory>());
        Assert.Equal(TimeSpan.FromSeconds(5), services.GetRequiredService<IOptions<GitClientOptions>>().Value.CommandTimeout);
    }
}
