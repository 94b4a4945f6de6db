using ControlApi.Core.Clusters;
using Microsoft.Extensions.Options;

namespace ControlApi.Configuration;

/// <summary>A configured cluster: Core's profile plus what only the service needs (git remote, Kubernetes access).</summary>
public sealed record ManagedCluster(ClusterProfile Profile, GitOpsOptions GitOps, KubernetesOptions Kubernetes, string RepositoryLocation)
{
    public string Id => Profile.Id;

    /// <summary>The cluster's own automatic-rollback setting; null when it follows the service-wide one.</summary>
    public bool? AutoRollback { get; init; }

    /// <summary>The cluster's canary defaults (a copy of its configuration).</summary>
    public CanaryOptions Canary { get; init; } = new();
}

/// <summary>The clusters from configuration, resolved once (paths made absolute against the data directory).</summary>
public sealed class ClusterCatalog
{
    private readonly Dictionary<string, ManagedCluster> _byId;

    public ClusterCatalog(IOptions<ControlApiOptions> options, DataPaths paths)
    {
        All = options.Value.Clusters.Select(c => Resolve(c, paths)).ToList();
        _byId = All.ToDictionary(c => c.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<ManagedCluster> All { get; }

    public ManagedCluster? Find(string id) => _byId.GetValueOrDefault(id);

    private static ManagedCluster Resolve(ClusterOptions options, DataPaths paths)
    {
        ObjectRef.TryParse(options.Flux.HelmRelease, out var helmRelease);
        ObjectRef.TryParse(options.Flux.Kustomization, out var kustomization);
        ObjectRef.TryParse(options.Flux.GitRepository, out var gitRepository);
        var profile = new ClusterProfile
        {
            Id = options.Id,
            DisplayName = string.IsNullOrWhiteSpace(options.DisplayName) ? options.Id : options.DisplayName,
            CiliumPath = options.GitOps.CiliumPath.TrimEnd('/'),
            TalosPatchPath = options.GitOps.TalosPatchPath,
            Talos = new TalosFacts
            {
                Version = TalosVersion.Parse(options.Talos.Version),
                KubePrismPort = options.Talos.KubePrismPort,
                PodSubnets = options.Talos.PodSubnets is { Count: > 0 } podSubnets ? [.. podSubnets] : [TalosFacts.DefaultPodSubnet],
            },
            Chart = new ChartSource { Repository = options.Chart.Repository, Version = options.Chart.Version },
            HelmRelease = helmRelease!,
            Kustomization = kustomization!,
            GitRepository = gitRepository!,
            HelmDriftDetection = string.IsNullOrWhiteSpace(options.Flux.DriftDetection) ? null : options.Flux.DriftDetection,
        };
        return new ManagedCluster(profile, options.GitOps, options.Kubernetes, paths.ResolveRepository(options.GitOps.Repository))
        {
            AutoRollback = options.AutoRollback,
            Canary = new CanaryOptions { NodeSelector = options.Canary.NodeSelector, SoakTime = options.Canary.SoakTime, AutoPromote = options.Canary.AutoPromote },
        };
    }
}
