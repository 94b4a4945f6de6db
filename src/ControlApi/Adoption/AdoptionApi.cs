using ControlApi.Configuration;
using ControlApi.Http;
using ControlApi.Revisions;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Adoption;

/// <summary><c>POST /clusters/{cluster}/adopt</c>: take over the Cilium release a repository already holds.</summary>
public static class AdoptionApi
{
    public static RouteGroupBuilder MapAdoptionApi(this RouteGroupBuilder api)
    {
        api.MapPost("/clusters/{cluster}/adopt", Adopt)
            .WithTags("Adoption")
            .WithName("AdoptCluster")
            .WithRevisionETag(StatusCodes.Status201Created)
            .WithResponseHeader(StatusCodes.Status503ServiceUnavailable, "Retry-After", "Seconds to wait before adopting again.")
            .WithSummary("Adopt the Cilium release the GitOps repository already holds.")
            .WithDescription("Reads the release, repository and Talos patch at the branch head, maps every Helm value the typed settings model and keeps every other value verbatim in extraValues, and proves that rendering the result reproduces the values. "
                + "?dryRun=true answers the report without storing. A release whose values would change is refused (422, each value listed); one whose other fields would be rewritten or whose valuesFrom would be dropped needs ?allowRewrites=true. X-Change-Reason and X-On-Behalf-Of are stored with the revision.")
            .Produces<AdoptionReport>(StatusCodes.Status200OK)
            .Produces<AdoptionReport>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRole(Role.Operator);
        return api;
    }

    public static async Task<Results<Created<AdoptionReport>, Ok<AdoptionReport>, ProblemHttpResult>> Adopt(
        string cluster, HttpContext context, ClusterCatalog clusters, ClusterAdoption adoption, IOptions<ControlApiOptions> options,
        CancellationToken cancellationToken, bool dryRun = false, bool allowRewrites = false)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var (headers, headerError) = ChangeHeaders.Parse(context.Request, options.Value.Limits);
        if (headers is null) return Problems.BadRequest("invalid-header", "Invalid change header", headerError!);

        var outcome = await adoption.AdoptAsync(
            new AdoptionRequest(managed, Caller.Name(context), headers.OnBehalfOf, headers.Reason, dryRun, allowRewrites), cancellationToken);
        switch (outcome)
        {
            case AdoptionOutcome.Adopted adopted:
                context.Response.Headers.ETag = ETags.ForRevision(adopted.Report.Revision!.Value);
                return TypedResults.Created(RevisionLinks.Revision(managed.Id, adopted.Report.Revision!.Value), adopted.Report);
            case AdoptionOutcome.Previewed previewed:
                return TypedResults.Ok(previewed.Report);
            case AdoptionOutcome.AlreadyManaged already:
                return Problems.Create(StatusCodes.Status409Conflict, "already-adopted", "ControlApi already manages this cluster",
                    $"Cluster '{managed.Id}' is managed by ControlApi (current revision {already.Revision}); change it with PUT or PATCH /api/v1/clusters/{managed.Id}/cilium.",
                    new() { ["currentRevision"] = already.Revision });
            case AdoptionOutcome.NothingToAdopt nothing:
                return Problems.Create(StatusCodes.Status409Conflict, "nothing-to-adopt", "There is no Cilium release to adopt",
                    $"The repository has no {nothing.Path}; nothing needs adopting. The first change (PUT or PATCH /api/v1/clusters/{managed.Id}/cilium) creates the release.");
            case AdoptionOutcome.RepositoryUnreachable unreachable:
                context.Response.Headers.RetryAfter = "30";
                return Problems.Create(StatusCodes.Status503ServiceUnavailable, "repository-unreachable", "The GitOps repository could not be read",
                    $"{unreachable.Reason} Nothing was stored; retry when the repository is reachable.");
            case AdoptionOutcome.ChartUnavailable chart:
                context.Response.Headers.RetryAfter = "30";
                return Problems.Create(StatusCodes.Status503ServiceUnavailable, "chart-unavailable", "The Cilium chart could not be loaded",
                    $"{chart.Reason}. Adoption compares the release with the chart's defaults and schema. Make the chart repository reachable from ControlApi, or put the chart archive into ControlApi:Charts:Directory, then retry. Nothing was stored.");
            case AdoptionOutcome.NotAdoptable not:
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "not-adoptable", "The release cannot be adopted",
                    $"{not.Reason} Nothing was stored.");
            case AdoptionOutcome.WouldChangeValues changes:
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "adoption-would-change-values", "Rendering would change the release's values",
                    $"ControlApi cannot reproduce {changes.Report.WouldChange.Count} value(s) of the existing release, so adopting would change the cluster: {string.Join("; ", changes.Report.WouldChange.Take(10))}. Nothing was stored. Each value and the reason ControlApi renders it otherwise are listed; make the release agree in the repository, then adopt again.",
                    new() { ["wouldChange"] = changes.Report.WouldChange, ["report"] = changes.Report });
            case AdoptionOutcome.WouldRewrite rewrite:
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "adoption-would-rewrite", "The next commit would rewrite parts of the release",
                    $"The Helm values are reproduced, but the next commit would rewrite {rewrite.Report.Rewrites.Count} other field(s) and drop {rewrite.Report.Keys.Count(k => k.As == Core.Adoption.AdoptedAs.NotImportable)} unimportable key(s), all listed. Nothing was stored. Adopt with ?allowRewrites=true to accept that, or change the repository first.",
                    new() { ["rewrites"] = rewrite.Report.Rewrites, ["notImportable"] = rewrite.Report.Keys.Where(k => k.As == Core.Adoption.AdoptedAs.NotImportable).ToList(), ["report"] = rewrite.Report });
            default:
                throw new InvalidOperationException($"Unhandled adoption outcome {outcome.GetType().Name}.");
        }
    }
}
