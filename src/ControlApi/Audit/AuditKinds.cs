namespace ControlApi.Audit;

/// <summary>Stable audit event kinds (SPEC §6). Scripts and webhooks match on these strings.</summary>
public static class AuditKinds
{
    public const string ChangeAccepted = "change.accepted";
    public const string ChangeRejected = "change.rejected";
    public const string ChangeNoop = "change.noop";
    public const string GitCommitted = "git.committed";
    public const string GitPushFailed = "git.push_failed";
    public const string RevisionSuperseded = "revision.superseded";
    public const string RevisionRecovered = "revision.recovered";
    public const string RevisionRetracked = "revision.retracked";
    public const string RollbackAutomatic = "rollback.automatic";
    public const string RepairRequested = "repair.requested";
    public const string RepairCompleted = "repair.completed";
    public const string RepairFailed = "repair.failed";
    public const string FluxReconcileRequested = "flux.reconcile_requested";
    public const string FluxApplied = "flux.applied";
    public const string FluxFailed = "flux.failed";
    public const string RolloutProgress = "rollout.progress";
    public const string RolloutCompleted = "rollout.completed";
    public const string RolloutStuck = "rollout.stuck";
    public const string VerifyPassed = "verify.passed";
    public const string VerifyFailed = "verify.failed";
    public const string CanaryRestarted = "canary.restarted";
    public const string CanaryVerified = "canary.verified";
    public const string CanaryFailed = "canary.failed";
    public const string CanaryPromoted = "canary.promoted";
    public const string DriftDetected = "drift.detected";
    public const string DriftCleared = "drift.cleared";
    public const string ClusterUnreachable = "cluster.unreachable";
    public const string ClusterReachable = "cluster.reachable";
    public const string MigrationLeftover = "migration.leftover";
    public const string PollHeartbeat = "poll.heartbeat";
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string AuthDenied = "auth.denied";
    public const string AuthDeniedSuppressed = "auth.denied_suppressed";
    public const string ChatopsCommand = "chatops.command";
    public const string WebhookFailed = "webhook.failed";
    public const string ClusterAdopted = "cluster.adopted";
    public const string ClusterFrozen = "cluster.frozen";
    public const string ClusterUnfrozen = "cluster.unfrozen";
    public const string ClusterLocked = "cluster.locked";
    public const string ClusterUnlocked = "cluster.unlocked";
    public const string ChangeBlocked = "change.blocked";
    public const string PolicyChanged = "policy.changed";

    /// <summary>An admin enforced the host firewall although its audit gate refused (reason and would-be drops in the details).</summary>
    public const string HostFirewallEnforceOverride = "hostfirewall.enforce.override";
    /// <summary>A change accepted outside the change window: stored as Scheduled (instead of change.accepted), not committed yet.</summary>
    public const string ChangeScheduled = "change.scheduled";

    /// <summary>A scheduled revision's window opened: it is Accepted and goes to the commit job.</summary>
    public const string ChangeReleased = "change.released";

    /// <summary>An admin (or an automatic rollback) sent a change through a closed window at once.</summary>
    public const string ChangeWindowOverridden = "change.window_overridden";
    public const string ApprovalRequested = "approval.requested";
    public const string ApprovalGranted = "approval.granted";
    public const string ApprovalRejected = "approval.rejected";
    public const string ApprovalExpired = "approval.expired";
}

/// <summary>Where a change came from.</summary>
public static class AuditSources
{
    public const string Api = "api";
    public const string Chatops = "chatops";
    public const string System = "system";

    /// <summary>A rollback ControlApi made by itself after a revision failed (revision source and audit source).</summary>
    public const string AutoRollback = "auto-rollback";

    /// <summary>A revision that adoption made from the release the repository already held (revision source only).</summary>
    public const string Adopt = "adopt";
}
