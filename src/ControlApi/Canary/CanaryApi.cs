using ControlApi.Configuration;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Canary;

/// <summary>Promoting a verified canary to every node (README "A canary rollout step by step").</summary>
public static class CanaryApi
{
    public static RouteGroupBuilder MapCanaryApi(this RouteGroupBuilder api)
    {
        api.MapPost("/clusters/{cluster}/revisions/{number:int}/promote", Promote)
            .WithTags("Revisions")
            .WithName("PromoteCanary")
            .WithDescription("Promotes a canary revision that is CanaryVerified: the same revision is committed again with its settings for every node and without its CiliumNodeConfig, then tracked Committed → Applied → RolledOut → Verified. Audited (canary.promoted). 202 with Location: the revision (wait on it with ?waitFor=Verified). 409 says why another revision cannot be promoted (not a canary, not verified yet, failed, already promoted, or older than the newest revision) and what to do.")
            .WithSummary("Roll a verified canary out to every node.")
            .RequireRole(Role.Operator)
            .Produces<PromoteResource>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    public static async Task<Results<Accepted<PromoteResource>, ProblemHttpResult>> Promote(
        string cluster, int number, HttpContext context, ClusterCatalog clusters, CanaryPromotion promotion, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var outcome = await promotion.ApplyAsync(managed, number, Caller.Name(context), Audit.AuditSources.Api, cancellationToken);
        return outcome switch
        {
            PromoteOutcome.NoSuchRevision missing => Problems.RevisionNotFound(managed.Id, missing.Target, missing.CurrentRevision),
            PromoteOutcome.NotPromotable refused => Problems.Create(StatusCodes.Status409Conflict, "revision-not-promotable", "The revision cannot be promoted",
                refused.Advice, new() { ["state"] = refused.State.ToString() }),
            PromoteOutcome.Promoted promoted => TypedResults.Accepted(Revisions.RevisionLinks.Revision(managed.Id, number),
                new PromoteResource(managed.Id, number, promoted.Revision.Canary?.NodeSelector ?? "",
                    "Promoted: the settings are being committed for every node; GET the revision (or wait on it with ?waitFor=Verified).")),
            _ => throw new InvalidOperationException($"Unhandled promote outcome {outcome.GetType().Name}."),
        };
    }
}

/// <summary>The answer to a promotion: which revision, which canary, what happens next.</summary>
public sealed record PromoteResource(string Cluster, int Revision, string NodeSelector, string Message);
