using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Revisions;

/// <summary>Rolling back over HTTP: <see cref="RevisionRollback"/> (shared with chat), answered like any change.</summary>
public static class RollbackApi
{
    public static RouteGroupBuilder MapRollbackApi(this RouteGroupBuilder api)
    {
        api.MapPost("/clusters/{cluster}/revisions/{number:int}/rollback", Rollback)
            .WithTags("Revisions")
            .WithName("RollbackRevision")
            // The change headers and answers (ETag, Location, 412, 409 adopt-first) are those of any change.
            .WithMetadata(new ChangeOperation())
            .Produces<ChangeResource>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithDescription("Revision n's settings are validated again (the rules may have changed since) and stored as a new revision whose commit subject says 'rollback to n'. Honours X-Change-Reason, X-On-Behalf-Of, If-Match and Idempotency-Key like any change. 409 rollback-target-never-in-effect: revision n is PendingApproval, Expired or Rejected — it never was the cluster's settings; send them as a change instead.")
            .WithSummary("Make revision n's settings the desired ones again, as a new revision.")
            .Produces<ChangeResource>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status423Locked)
            // A rollback is a change like any other.
            .RequireRole(Role.Operator);
        return api;
    }

    public static async Task<Results<Accepted<ChangeResource>, Ok<ChangeResource>, ProblemHttpResult>> Rollback(
        string cluster, int number, HttpContext context, ClusterCatalog clusters, RevisionRollback rollback,
        IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var (headers, headerError) = ChangeHeaders.Parse(context.Request, options.Value.Limits);
        if (headers is null) return Problems.BadRequest("invalid-header", "Invalid change header", headerError!);

        // Validated again like any change: rules (or the cluster's Talos version) may have moved on since.
        var outcome = await rollback.ApplyAsync(managed, number, Caller.Name(context), AuditSources.Api, headers.OnBehalfOf, headers.Reason,
            cancellationToken, headers.IfMatchRevision, headers.IdempotencyKey, ChangeEndpoint.Fingerprint(context.Request, []), windowOverride: headers.WindowOverrideOf(context),
            authenticatedPerson: Security.ApiKeyClaims.PersonOf(context.User));
        return outcome switch
        {
            RollbackOutcome.NoSuchRevision missing => Problems.RevisionNotFound(managed.Id, missing.Target, missing.CurrentRevision),
            RollbackOutcome.NeverInEffect refused => Problems.Create(StatusCodes.Status409Conflict, "rollback-target-never-in-effect",
                "The revision never took effect", refused.Advice, new() { ["state"] = refused.State.ToString() }),
            RollbackOutcome.Ran ran => ChangeEndpoint.Answer(context, managed, ran.Change),
            _ => throw new InvalidOperationException($"Unhandled rollback outcome {outcome.GetType().Name}."),
        };
    }
}
