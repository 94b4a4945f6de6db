using ControlApi.Configuration;
using ControlApi.Http;
using ControlApi.Revisions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Clusters;

/// <summary>The configured clusters and how ControlApi reaches them.</summary>
public static class ClustersApi
{
    public static RouteGroupBuilder MapClustersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters").WithTags("Clusters");
        group.MapGet("", ListClusters).WithName("ListClusters")
            .WithDescription("Each cluster from the configuration: id, GitOps target, Talos version, Kubernetes access and the current revision.").WithSummary("Every configured cluster.");
        group.MapGet("/{cluster}", GetCluster).WithName("GetCluster")
            .WithDescription("The cluster's configuration, its current revision and whether ControlApi manages its Cilium release yet (adoption). An unknown cluster answers 404 listing the known ones.").WithSummary("One cluster's configuration and current revision.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Ok<IReadOnlyList<ClusterResource>>> ListClusters(ClusterCatalog clusters, RevisionReader revisions, CancellationToken cancellationToken)
    {
        var list = new List<ClusterResource>();
        foreach (var cluster in clusters.All)
            list.Add(ClusterResource.From(cluster, (await revisions.CurrentCommittedAsync(cluster.Id, cancellationToken)).Number));
        return TypedResults.Ok<IReadOnlyList<ClusterResource>>(list);
    }

    public static async Task<Results<Ok<ClusterResource>, ProblemHttpResult>> GetCluster(
        string cluster, ClusterCatalog clusters, RevisionReader revisions, Adoption.AdoptionStatus adoption, Holds.ClusterHolds holds,
        Governance.ClusterPolicies policies, TimeProvider time, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var current = await revisions.CurrentCommittedAsync(managed.Id, cancellationToken);
        var state = await adoption.GetAsync(managed, fresh: false, cancellationToken);
        return TypedResults.Ok(ClusterResource.From(managed, current.Number) with
        {
            Adoption = Adoption.AdoptionResource.From(managed.Id, state),
            Holds = await holds.GetAsync(managed.Id, cancellationToken),
            Policy = Governance.PolicyResource.From(managed.Id, await policies.CurrentAsync(managed.Id, cancellationToken), time.GetUtcNow()),
        });
    }
}

/// <summary>A cluster as the API shows it. Credentials appear only as "configured", never as paths' contents.</summary>
public sealed record ClusterResource(
    string Id,
    string DisplayName,
    int CurrentRevision,
    GitOpsTargetResource GitOps,
    KubernetesAccess Kubernetes,
    TalosResource Talos,
    FluxObjects Flux,
    ChartResource Chart)
{
    /// <summary>Whether ControlApi manages the release (one cluster's read only; lists leave it out).</summary>
    public Adoption.AdoptionResource? Adoption { get; init; }

    /// <summary>The freeze and lock that stop changes now (one cluster's read only; lists leave it out).</summary>
    public Holds.ClusterHoldsResource? Holds { get; init; }

    /// <summary>The change policy and its windows now: open or not, when they next open (one cluster's read only).</summary>
    public Governance.PolicyResource? Policy { get; init; }

    public static ClusterResource From(ManagedCluster cluster, int currentRevision)
    {
        var p = cluster.Profile;
        var git = cluster.GitOps;
        return new ClusterResource(
            p.Id, p.DisplayName, currentRevision,
            new GitOpsTargetResource(RedactedUrl(git.Repository), git.Branch, p.CiliumPath, p.TalosPatchPath,
                Credential: git.SshKeyFile is not null ? "ssh-deploy-key" : git.TokenFile is not null ? "https-token" : "none"),
            new KubernetesAccess(cluster.Kubernetes.IsConfigured, cluster.Kubernetes.InCluster, cluster.Kubernetes.Context,
                cluster.Kubernetes.IsConfigured ? "configured" : "not connected: no Kubernetes access is configured for this cluster"),
            new TalosResource(p.Talos.Version.ToString(), p.Talos.KubePrismPort),
            new FluxObjects(p.GitRepository.ToString(), p.Kustomization.ToString(), p.HelmRelease.ToString()),
            new ChartResource(p.Chart.Repository, p.Chart.Version));
    }

    /// <summary>Userinfo never leaves the service, even a bare user name.</summary>
    private static string RedactedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo) && uri.Scheme is "http" or "https"
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : url;
}

public sealed record GitOpsTargetResource(string Repository, string Branch, string CiliumPath, string TalosPatchPath, string Credential);
public sealed record KubernetesAccess(bool Configured, bool InCluster, string? Context, string Status);
public sealed record TalosResource(string Version, int KubePrismPort);
public sealed record FluxObjects(string GitRepository, string Kustomization, string HelmRelease);
public sealed record ChartResource(string Repository, string Version);
