using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlApi.GitOps;

public static class GitOpsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the git client: <see cref="IGitOpsRepository"/> for the commit job and plans,
    /// <see cref="BareRepository"/> for the embedded default remote, and
    /// <see cref="GitWorkingCopyFactory"/> for anything needing the primitives. Options bind from
    /// <c>ControlApi:Git</c> when the caller passes configuration.
    /// </summary>
    public static IServiceCollection AddGitOps(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<GitClientOptions>();
        if (configuration is not null) options.Bind(configuration.GetSection(GitClientOptions.SectionName));

        // The runner and the constructors taking it are internal (nothing outside GitOps starts
        // git), so these are built here rather than by constructor discovery.
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new GitCommandRunner(
            sp.GetRequiredService<IOptions<GitClientOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GitCommandRunner>>()));
        services.TryAddSingleton(sp => new GitWorkingCopyFactory(
            sp.GetRequiredService<GitCommandRunner>(), sp.GetRequiredService<IOptions<GitClientOptions>>(), sp.GetRequiredService<ILogger<GitWorkingCopy>>()));
        services.TryAddSingleton(sp => new BareRepository(
            sp.GetRequiredService<GitCommandRunner>(), sp.GetRequiredService<IOptions<GitClientOptions>>(), sp.GetRequiredService<ILogger<BareRepository>>()));
        services.TryAddSingleton<IGitOpsRepository, GitOpsRepository>();
        return services;
    }
}
