using ControlApi.Configuration;
using ControlApi.Core.Settings;
using ControlApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Revisions;

/// <summary>Rolling back: a new revision carrying an earlier revision's settings, through the one change path.</summary>
public static class RollbackApi
{
    public static RouteGroupBuilder MapRollbackApi(this RouteGroupBuilder api)
    {
        // Role: operator (SPEC §8) — a rollback is a change like any other.
        api.MapPost("/clusters/{cluster}/revisions/{number:int}/rollback", Rollback)
            .WithTags("Revisions")
            .WithName("RollbackRevision")
            .WithSummary("Make revision n's settings the desired ones again: a new revision (202 + Location), or 200 noChange when they already are. Honours X-Change-Reason, X-On-Behalf-Of, If-Match and Idempotency-Key.")
            .Produces<ChangeResource>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    public static async Task<Results<Accepted<ChangeResource>, Ok<ChangeResource>, ContentHttpResult, ProblemHttpResult>> Rollback(
        string cluster, int number, HttpContext context, ClusterCatalog clusters, RevisionReader revisions, ChangeService changes,
        IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var target = number >= 0 ? await revisions.FindAsync(managed.Id, number, cancellationToken) : null;
        if (target is null)
        {
            var current = await revisions.CurrentAsync(managed.Id, cancellationToken);
            return Problems.RevisionNotFound(managed.Id, number, current.Number);
        }
        // Validated again like any change: rules (or the cluster's Talos version) may have moved on since.
        return await ChangeEndpoint.RunAsync(context, managed, ReadOnlyMemory<byte>.Empty, RevisionRollback.Desire(target),
            changes, options.Value.Limits, cancellationToken, callerReason => RevisionRollback.Reason(number, callerReason));
    }
}

/// <summary>What a rollback asks of <see cref="ChangeService"/>; chatops' <c>rollback &lt;n&gt;</c> uses the same.</summary>
public static class RevisionRollback
{
    public const string ReasonFormat = "rollback to {0}";

    /// <summary><c>rollback to n</c>, then the caller's own reason when there is one.</summary>
    public static string Reason(int number, string? callerReason)
    {
        var reason = string.Format(System.Globalization.CultureInfo.InvariantCulture, ReasonFormat, number);
        return string.IsNullOrWhiteSpace(callerReason) ? reason : $"{reason}: {callerReason}";
    }

    /// <summary>Whatever the current settings are, the wish is the target revision's settings.</summary>
    public static Func<CiliumSettings, SettingsParseResult> Desire(RevisionResource target) =>
        _ => SettingsParseResult.Ok(target.Settings);
}
