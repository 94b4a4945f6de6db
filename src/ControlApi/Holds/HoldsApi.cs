using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Holds;

/// <summary>The emergency brake (freeze) and one person's maintenance lock of a cluster.</summary>
public static class HoldsApi
{
    public static RouteGroupBuilder MapHoldsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}").WithTags("Freeze and locks");

        group.MapGet("/holds", GetHolds).WithName("GetClusterHolds")
            .WithDescription("The cluster's freeze and lock, each null when absent: who holds it, why, since when and (a lock) until when. GET /clusters/{cluster} shows the same.")
            .WithSummary("What stops changes to the cluster now.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/freeze", Freeze).WithName("FreezeCluster")
            .WithDescription("Body {\"reason\": \"…\"} (required). From now on every change to the cluster — API, chat, rollback, automatic rollback — is refused with 423 naming who froze it and why, until POST …/unfreeze. Changes already accepted keep going to the repository. Freezing again by the same person updates the reason; another admin's freeze answers 409. Audited (cluster.frozen).")
            .WithSummary("Stop every change to the cluster (admin; the emergency brake).")
            .RequireRole(Role.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/unfreeze", Unfreeze).WithName("UnfreezeCluster")
            .WithDescription("Lifts the freeze (any admin). Optional body {\"reason\": \"…\"}. 409 when the cluster is not frozen. Audited (cluster.unfrozen).")
            .WithSummary("Let changes through again (admin).")
            .RequireRole(Role.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/lock", Lock).WithName("LockCluster")
            .WithDescription("Body {\"reason\": \"…\", \"expiresIn\": \"02:00:00\"} or {\"reason\", \"expiresAt\": \"2026-12-08T18:00:00Z\"}; without either the lock holds until unlocked. The holder is X-On-Behalf-Of, else the API key's name. Others' changes answer 423 naming the holder and the reason; the holder's go through. Locking again as the holder renews it; a lock someone else holds answers 423. A lock never outlives its expiry. Audited (cluster.locked).")
            .WithSummary("Reserve the cluster for your maintenance (operator).")
            .RequireRole(Role.Operator)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status423Locked);

        group.MapPost("/unlock", Unlock).WithName("UnlockCluster")
            .WithDescription("Lifts the lock: its holder, or an admin. Optional body {\"reason\": \"…\"}. 403 for anyone else (naming the holder), 409 when there is no lock. Audited (cluster.unlocked).")
            .WithSummary("Lift your lock (or, as an admin, anyone's).")
            .RequireRole(Role.Operator)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return api;
    }

    public static async Task<Results<Ok<ClusterHoldsResource>, ProblemHttpResult>> GetHolds(
        string cluster, ClusterCatalog clusters, ClusterHolds holds, CancellationToken cancellationToken) =>
        clusters.Find(cluster) is not { } managed
            ? Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id))
            : TypedResults.Ok(await holds.GetAsync(managed.Id, cancellationToken));

    public static async Task<Results<Ok<HoldResource>, ProblemHttpResult>> Freeze(
        string cluster, HoldRequest? request, HttpContext context, ClusterCatalog clusters, ClusterHolds holds, Microsoft.Extensions.Options.IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (RequiredReason(request, options.Value.Limits, "freeze") is { } bad) return bad;
        return Answer(managed, await holds.FreezeAsync(managed, CallerOf(context), request!.Reason!.Trim(), cancellationToken));
    }

    public static async Task<Results<Ok<HoldResource>, ProblemHttpResult>> Unfreeze(
        string cluster, HoldRequest? request, HttpContext context, ClusterCatalog clusters, ClusterHolds holds, Microsoft.Extensions.Options.IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (OptionalReason(request, options.Value.Limits) is { } bad) return bad;
        return Answer(managed, await holds.UnfreezeAsync(managed, CallerOf(context), request?.Reason?.Trim(), cancellationToken));
    }

    public static async Task<Results<Ok<HoldResource>, ProblemHttpResult>> Lock(
        string cluster, HoldRequest? request, HttpContext context, ClusterCatalog clusters, ClusterHolds holds, Microsoft.Extensions.Options.IOptions<ControlApiOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (RequiredReason(request, options.Value.Limits, "lock") is { } bad) return bad;
        if (request!.ExpiresIn is { } _ && request.ExpiresAt is { } _)
            return Problems.BadRequest("invalid-lock-expiry", "Invalid lock expiry", "Give expiresIn (a duration such as \"02:00:00\") or expiresAt (an instant), not both.", "/expiresIn");
        if (request.ExpiresIn is { } span && span <= TimeSpan.Zero)
            return Problems.BadRequest("invalid-lock-expiry", "Invalid lock expiry", "expiresIn must be a positive duration, e.g. \"02:00:00\" for two hours.", "/expiresIn");
        var expiresAt = request.ExpiresAt ?? (request.ExpiresIn is { } duration ? time.GetUtcNow() + duration : null);
        return Answer(managed, await holds.LockAsync(managed, CallerOf(context), request.Reason!.Trim(), expiresAt, cancellationToken));
    }

    public static async Task<Results<Ok<HoldResource>, ProblemHttpResult>> Unlock(
        string cluster, HoldRequest? request, HttpContext context, ClusterCatalog clusters, ClusterHolds holds, Microsoft.Extensions.Options.IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (OptionalReason(request, options.Value.Limits) is { } bad) return bad;
        return Answer(managed, await holds.UnlockAsync(managed, CallerOf(context), request?.Reason?.Trim(), cancellationToken));
    }

    /// <summary>
    /// The person is X-On-Behalf-Of when a bot's key carries one, else the key's person (its name unless
    /// set) — the same person ChangeService checks a change against.
    /// </summary>
    private static HoldCaller CallerOf(HttpContext context)
    {
        var actor = Caller.Name(context);
        var onBehalfOf = context.Request.Headers[ChangeHeaders.OnBehalfOfHeader].ToString();
        var person = string.IsNullOrWhiteSpace(onBehalfOf) || onBehalfOf.Any(char.IsControl)
            ? ApiKeyClaims.PersonOf(context.User) ?? actor
            : onBehalfOf.Trim();
        return new HoldCaller(person, actor, AuditSources.Api, MinimumRoleHandler.RoleOf(context.User) == Role.Admin);
    }

    private static ProblemHttpResult? RequiredReason(HoldRequest? request, RequestLimitOptions limits, string what) =>
        string.IsNullOrWhiteSpace(request?.Reason)
            ? Problems.BadRequest("reason-required", "A reason is required", $"Say why in the body, e.g. {{\"reason\": \"etcd restore in progress\"}}: everyone whose change the {what} refuses reads it.", "/reason")
            : OptionalReason(request, limits);

    private static ProblemHttpResult? OptionalReason(HoldRequest? request, RequestLimitOptions limits) =>
        request?.Reason is { } reason && (reason.Length > limits.MaxReasonLength || reason.Any(char.IsControl))
            ? Problems.BadRequest("invalid-reason", "Invalid reason", $"reason must be one line of at most {limits.MaxReasonLength} characters.", "/reason")
            : null;

    private static Results<Ok<HoldResource>, ProblemHttpResult> Answer(ManagedCluster cluster, HoldOutcome outcome) => outcome switch
    {
        HoldOutcome.Set set => TypedResults.Ok(set.Hold),
        HoldOutcome.Lifted lifted => TypedResults.Ok(lifted.Hold),
        HoldOutcome.NotHeld missing => Problems.Create(StatusCodes.Status409Conflict, $"cluster-not-{(missing.Kind == ClusterHoldKinds.Freeze ? "frozen" : "locked")}",
            missing.Kind == ClusterHoldKinds.Freeze ? "The cluster is not frozen" : "The cluster is not locked",
            $"There is no {missing.Kind} on {cluster.Id} to lift (a lock past its expiry has already ended). GET /api/v1/clusters/{cluster.Id}/holds shows what holds it."),
        HoldOutcome.HeldByOther other when other.Hold.Kind == ClusterHoldKinds.Freeze => Problems.Create(StatusCodes.Status409Conflict, "cluster-frozen-by-other",
            "Another admin froze the cluster", HoldMessages.Describe(cluster.Id, other.Hold) + " Unfreeze it first if you mean to take it over."),
        HoldOutcome.HeldByOther other => Problems.Create(StatusCodes.Status423Locked, "cluster-locked", "The cluster is locked by someone else",
            HoldMessages.Describe(cluster.Id, other.Hold) + " Ask them to unlock it (POST …/unlock), or an admin.", HoldMessages.Extensions(other.Hold)),
        HoldOutcome.InvalidExpiry invalid => Problems.BadRequest("invalid-lock-expiry", "Invalid lock expiry", invalid.Detail, "/expiresAt"),
        _ => throw new InvalidOperationException($"Unhandled hold outcome {outcome.GetType().Name}."),
    };
}

/// <summary>The body of freeze, unfreeze, lock and unlock. A lock's end is a duration or an instant.</summary>
public sealed record HoldRequest(string? Reason, TimeSpan? ExpiresIn = null, DateTimeOffset? ExpiresAt = null);

/// <summary>How a freeze or lock is told to the people it stops.</summary>
public static class HoldMessages
{
    public static string Describe(string cluster, HoldResource hold) => hold.Kind == ClusterHoldKinds.Freeze
        ? $"{cluster} is frozen by {hold.Holder} since {hold.Since:u}: {hold.Reason}."
        : $"{cluster} is locked by {hold.Holder} since {hold.Since:u}{(hold.ExpiresAt is { } end ? $" until {end:u}" : "")}: {hold.Reason}.";

    /// <summary>What the refusal tells a person to do.</summary>
    public static string Advice(string cluster, HoldResource hold) => hold.Kind == ClusterHoldKinds.Freeze
        ? $"Nothing changes until an admin lifts the freeze (POST /api/v1/clusters/{cluster}/unfreeze)."
        : $"Ask {hold.Holder} to unlock it (POST /api/v1/clusters/{cluster}/unlock){(hold.ExpiresAt is { } end ? $" or wait until {end:u}" : "")}; an admin may unlock it too.";

    public static Dictionary<string, object?> Extensions(HoldResource hold) => new()
    {
        ["holder"] = hold.Holder, ["holdReason"] = hold.Reason, ["since"] = hold.Since, ["expiresAt"] = hold.ExpiresAt,
    };
}
