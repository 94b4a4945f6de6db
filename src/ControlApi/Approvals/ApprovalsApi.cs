using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Http;
using ControlApi.Revisions;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Approvals;

/// <summary>The two-person rule: approve or reject a change the cluster's policy held for approval.</summary>
public static class ApprovalsApi
{
    public static RouteGroupBuilder MapApprovalsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}/revisions/{number:int}").WithTags("Approvals");

        group.MapPost("/approve", Approve).WithName("ApproveRevision")
            .WithDescription("Approves a revision in PendingApproval as the key's person (its 'person', else its name; X-On-Behalf-Of does not count). Who may: an approver or admin, or any operator where the policy says approvers: operator — never the author. The same person twice counts once (200, 'already approved by you'). With enough approvals the change is checked again against the settings now current and goes to the repository like any accepted change. 409 approval-stale when the settings changed since it was requested, 409 approval-expired after its expiry, 409 not-pending when it is not waiting. Audited (approval.granted, then change.accepted).")
            .WithSummary("Approve a change held for approval (two-person rule).")
            .RequireRole(Role.Operator)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status423Locked);

        group.MapPost("/reject", Reject).WithName("RejectRevision")
            .WithDescription("Body {\"reason\": \"…\"} (required). Ends a revision in PendingApproval as Rejected: anyone who may approve it, or its author (who withdraws it). Nothing goes to the repository. Audited (approval.rejected).")
            .WithSummary("Reject (or, as its author, withdraw) a change held for approval.")
            .RequireRole(Role.Operator)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return api;
    }

    public static async Task<Results<Ok<ApprovalResultResource>, ProblemHttpResult>> Approve(
        string cluster, int number, HttpContext context, ClusterCatalog clusters, ApprovalService approvals, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        return Answer(managed, await approvals.ApproveAsync(managed, number, CallerOf(context), cancellationToken));
    }

    public static async Task<Results<Ok<ApprovalResultResource>, ProblemHttpResult>> Reject(
        string cluster, int number, RejectRequest? request, HttpContext context, ClusterCatalog clusters, ApprovalService approvals,
        IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var limits = options.Value.Limits;
        if (string.IsNullOrWhiteSpace(request?.Reason))
            return Problems.BadRequest("reason-required", "A reason is required", "Say why in the body, e.g. {\"reason\": \"not during the sale\"}: the author reads it.", "/reason");
        if (request.Reason.Length > limits.MaxReasonLength || request.Reason.Any(char.IsControl))
            return Problems.BadRequest("invalid-reason", "Invalid reason", $"reason must be one line of at most {limits.MaxReasonLength} characters.", "/reason");
        return Answer(managed, await approvals.RejectAsync(managed, number, CallerOf(context), request.Reason.Trim(), cancellationToken));
    }

    /// <summary>The authenticated person of the key, never a header the caller chose.</summary>
    private static ApprovalCaller CallerOf(HttpContext context) => new(
        ApiKeyClaims.PersonOf(context.User) ?? Caller.Name(context), Caller.Name(context), AuditSources.Api,
        MinimumRoleHandler.RoleOf(context.User) ?? Role.Viewer);

    /// <summary>Each outcome as its HTTP answer (chat renders the same outcomes in its own words).</summary>
    public static Results<Ok<ApprovalResultResource>, ProblemHttpResult> Answer(ManagedCluster cluster, ApprovalOutcome outcome) => outcome switch
    {
        ApprovalOutcome.Recorded done => TypedResults.Ok(new ApprovalResultResource(cluster.Id, done.Revision, done.Message)),
        ApprovalOutcome.NoSuchRevision missing => Problems.RevisionNotFound(cluster.Id, missing.Number, missing.CurrentRevision),
        ApprovalOutcome.NotPending other => Problems.Create(StatusCodes.Status409Conflict, ApprovalProblems.NotPending, "Not waiting for approval",
            ApprovalMessages.NotPending(other.Number, other.State.ToString())),
        ApprovalOutcome.Expired expired => Problems.Create(StatusCodes.Status409Conflict, ApprovalProblems.Expired, "The approval request expired",
            ApprovalMessages.Expired(expired.Number, expired.At)),
        ApprovalOutcome.Stale stale => Problems.Create(StatusCodes.Status409Conflict, ApprovalProblems.Stale, "The settings changed since the request",
            ApprovalMessages.Stale(stale.Number, stale.RequestedOn, stale.CurrentRevision),
            new() { ["requestedOn"] = stale.RequestedOn, ["currentRevision"] = stale.CurrentRevision }),
        ApprovalOutcome.ByAuthor author => Problems.Create(StatusCodes.Status403Forbidden, ApprovalProblems.ByAuthor, "You cannot approve your own change",
            ApprovalMessages.ByAuthor(author.Number, author.Author)),
        ApprovalOutcome.NotAnApprover role => Problems.Create(StatusCodes.Status403Forbidden, ApprovalProblems.Role, "Not an approver",
            ApprovalMessages.Role(role.Number, role.Approvers)),
        ApprovalOutcome.Invalid invalid => Problems.ValidationFailed(cluster.Id,
            invalid.Validation.Errors.Select(IssueResource.From).ToList(), invalid.Validation.Warnings.Select(IssueResource.From).ToList()),
        ApprovalOutcome.Blocked blocked => Problems.Blocked(cluster.Id, blocked.Hold),
        _ => throw new InvalidOperationException($"Unhandled approval outcome {outcome.GetType().Name}."),
    };
}

/// <summary>Problem codes of approvals, written once.</summary>
public static class ApprovalProblems
{
    public const string NotPending = "not-pending";
    public const string Expired = "approval-expired";
    public const string Stale = "approval-stale";
    public const string ByAuthor = "approval-by-author";
    public const string Role = "approval-role";
}

public sealed record RejectRequest(string? Reason);

/// <summary>The answer to an approval or rejection: the revision as it is now, and what happened in words.</summary>
public sealed record ApprovalResultResource(string Cluster, RevisionResource Revision, string Message);
