using ControlApi.GitOps;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Support;

/// <summary>
/// A test seam registered by DI: the service's own git publisher, with a hook that runs after each
/// publish that reached the remote (committed, already committed, or nothing to commit) and before
/// the commit job records it — the moment to crash or hold the job.
/// </summary>
public static class AfterPush
{
    public static IServiceCollection HookAfterPush(this IServiceCollection services, Func<PublishResult, CancellationToken, Task> hook)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IGitOpsRepository));
        services.Remove(registered);
        services.AddSingleton<IGitOpsRepository>(provider => new Hooked(Resolve(provider, registered), hook));
        return services;
    }

    private static IGitOpsRepository Resolve(IServiceProvider provider, ServiceDescriptor registered) =>
        (IGitOpsRepository)(registered.ImplementationInstance
            ?? registered.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!));

    private sealed class Hooked(IGitOpsRepository inner, Func<PublishResult, CancellationToken, Task> hook) : IGitOpsRepository
    {
        public async Task<PublishResult> PublishAsync(GitOpsTarget target, ManifestCommit commit, CancellationToken cancellationToken)
        {
            var result = await inner.PublishAsync(target, commit, cancellationToken);
            if (result.Outcome is not (PublishOutcome.Failed or PublishOutcome.Refused)) await hook(result, cancellationToken);
            return result;
        }

        public Task<RemoteFiles> ReadFilesAsync(GitOpsTarget target, IReadOnlyCollection<string> paths, CancellationToken cancellationToken) =>
            inner.ReadFilesAsync(target, paths, cancellationToken);

        public Task<bool> IsAncestorAsync(GitOpsTarget target, string ancestor, string descendant, CancellationToken cancellationToken) =>
            inner.IsAncestorAsync(target, ancestor, descendant, cancellationToken);

        public Task<IReadOnlyList<string>> LastRevisionTrailersAsync(GitOpsTarget target, string path, CancellationToken cancellationToken) =>
            inner.LastRevisionTrailersAsync(target, path, cancellationToken);
    }
}
