using ControlApi.Core.Revisions;

namespace ControlApi.Approvals;

/// <summary>
/// Asked by <see cref="Revisions.ChangeService"/> inside a change's write turn, after validation:
/// does the cluster's policy hold a change of this risk for approval? The policy is read in the
/// same turn a policy replacement takes, so a change is judged against exactly one policy.
/// </summary>
public sealed class ApprovalGate(Governance.ClusterPolicies policies, Metrics.ControlApiMetrics metrics)
{
    /// <summary>The approval the change waits for, or null when it goes ahead now.</summary>
    /// <param name="currentRevision">The revision the change is built on: approval needs it still to be current.</param>
    /// <param name="author">The person asking, as <see cref="Revisions.ChangeRequest.Author"/> tells.</param>
    public async Task<ApprovalRecord?> HoldAsync(string clusterId, ChangeRisk risk, int currentRevision, string author, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var policy = (await policies.CurrentAsync(clusterId, cancellationToken)).Policy;
        var required = policy.ApprovalsFor(risk);
        if (required <= 0) return null;
        metrics.RecordApprovalDecision(clusterId, Metrics.ApprovalDecisions.Requested);
        return new ApprovalRecord(risk, required, policy.Approvals.Approvers, currentRevision, author, now + policy.Approvals.ExpiresAfter, []);
    }
}
