using ControlApi.Configuration;
using ControlApi.Core.Governance;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Governance;

/// <summary>A cluster's change policy: approvals per risk class and change windows.</summary>
public static class GovernanceApi
{
    public static RouteGroupBuilder MapGovernanceApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}/policy").WithTags("Policy");

        group.MapGet("", GetPolicy).WithName("GetClusterPolicy")
            .WithDescription("The policy in force (version 0 is the default: no approvals, no windows), who set it, and whether the change windows are open now, why, and when they next open or close. The ETag is the policy version, for If-Match on PUT.")
            .WithSummary("The cluster's change policy and its windows now.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("", PutPolicy).WithName("PutClusterPolicy")
            .WithDescription("Replaces the policy (application/json), e.g. {\"approvals\": {\"dangerous\": 1, \"disruptive\": 0, \"expiresAfter\": \"1.00:00:00\"}, \"windows\": [{\"kind\": \"allow\", \"schedule\": \"0 22 * * *\", \"duration\": \"02:00:00\", \"timeZone\": \"Europe/Berlin\"}], \"outsideWindow\": \"schedule\"}. Members left out take their defaults. Stored as the next version and audited (policy.changed); If-Match: \"<version>\" refuses a stale edit with 412; X-Change-Reason and X-On-Behalf-Of are recorded. 200 with the policy; a body that cannot work answers 400 with a pointer.")
            .WithSummary("Replace the cluster's change policy (admin).")
            .RequireRole(Role.Admin)
            .Accepts<ClusterPolicy>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return api;
    }

    public static async Task<Results<Ok<PolicyResource>, ProblemHttpResult>> GetPolicy(
        string cluster, HttpContext context, ClusterCatalog clusters, ClusterPolicies policies, TimeProvider time, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var stored = await policies.CurrentAsync(managed.Id, cancellationToken);
        context.Response.Headers.ETag = ETags.ForRevision(stored.Version);
        return TypedResults.Ok(PolicyResource.From(managed.Id, stored, time.GetUtcNow()));
    }

    public static async Task<Results<Ok<PolicyResource>, ProblemHttpResult>> PutPolicy(
        string cluster, HttpContext context, ClusterCatalog clusters, ClusterPolicies policies, IOptions<ControlApiOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (!RequestBody.HasMediaType(context.Request, "application/json"))
            return Problems.UnsupportedMediaType(context.Request.ContentType, "application/json with the whole policy");
        var (headers, headerError) = ChangeHeaders.Parse(context.Request, options.Value.Limits);
        if (headers is null) return Problems.BadRequest("invalid-header", "Invalid header", headerError!);
        byte[] body;
        try
        {
            body = await RequestBody.ReadAsync(context.Request, options.Value.Limits.MaxSettingsBodyBytes, cancellationToken);
        }
        catch (RequestBody.TooLargeException ex)
        {
            return Problems.PayloadTooLarge(ex.Limit);
        }
        var parsed = PolicyJson.Parse(body);
        if (parsed.Policy is not { } policy) return Problems.BadRequest("malformed-policy", "The policy cannot be used", parsed.Error!, parsed.Pointer);

        var outcome = await policies.ReplaceAsync(managed, policy, Caller.Name(context), headers.OnBehalfOf, headers.Reason, headers.IfMatchRevision, cancellationToken);
        switch (outcome)
        {
            case PolicyOutcome.Replaced replaced:
                context.Response.Headers.ETag = ETags.ForRevision(replaced.Stored.Version);
                return TypedResults.Ok(PolicyResource.From(managed.Id, replaced.Stored, time.GetUtcNow()));
            case PolicyOutcome.Unchanged unchanged:
                context.Response.Headers.ETag = ETags.ForRevision(unchanged.Stored.Version);
                return TypedResults.Ok(PolicyResource.From(managed.Id, unchanged.Stored, time.GetUtcNow()));
            case PolicyOutcome.PreconditionFailed failed:
                context.Response.Headers.ETag = ETags.ForRevision(failed.CurrentVersion);
                return Problems.Create(StatusCodes.Status412PreconditionFailed, "policy-precondition-failed", "The policy changed meanwhile",
                    $"The policy of {managed.Id} is at version {failed.CurrentVersion}, not the one If-Match names. GET it again, apply your edit to it and PUT with If-Match: \"{failed.CurrentVersion}\".",
                    new() { ["currentVersion"] = failed.CurrentVersion });
            default:
                throw new InvalidOperationException($"Unhandled policy outcome {outcome.GetType().Name}.");
        }
    }
}

/// <summary>A cluster's policy as the API shows it, with its windows evaluated now.</summary>
public sealed record PolicyResource(string Cluster, int Version, ClusterPolicy Policy, string? Author, DateTimeOffset? CreatedAt, WindowState Window)
{
    public static PolicyResource From(string cluster, StoredPolicy stored, DateTimeOffset now) =>
        new(cluster, stored.Version, stored.Policy, stored.Author, stored.CreatedAt, ChangeWindows.Evaluate(stored.Policy.Windows, now));
}
