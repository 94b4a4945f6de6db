namespace ControlApi.Core.Observation;

/// <summary>
/// One <c>status.conditions[]</c> entry as Kubernetes objects carry it (metav1.Condition):
/// conditions are data, read by type; <paramref name="ObservedGeneration"/> 0 means "not set".
/// </summary>
public sealed record Condition(
    string Type,
    string Status,
    string? Reason = null,
    string? Message = null,
    long ObservedGeneration = 0,
    DateTimeOffset? LastTransitionTime = null)
{
    public bool IsTrue => Status == ConditionStatus.True;
    public bool IsFalse => Status == ConditionStatus.False;

    public override string ToString() => $"{Type}={Status} ({Reason}): {Message}";
}

public static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";
}

/// <summary>Condition types (fluxcd/pkg apis/meta/conditions.go; helm-controller api/v2/condition_types.go).</summary>
public static class ConditionTypes
{
    public const string Ready = "Ready";
    /// <summary>Abnormal-true polarity: present only while True.</summary>
    public const string Reconciling = "Reconciling";
    /// <summary>Abnormal-true polarity: True means a terminal failure, stop waiting.</summary>
    public const string Stalled = "Stalled";
    public const string Healthy = "Healthy";
    public const string Released = "Released";
    public const string ArtifactInStorage = "ArtifactInStorage";
}

/// <summary>
/// Reason strings Flux writes (flux/NOTES.md "Conditions and reasons"). Each list says what a
/// reason means for a change in flight: success, a failure to report, or "still working".
/// </summary>
public static class FluxReasons
{
    public const string Succeeded = "Succeeded";
    public const string Progressing = "Progressing";
    public const string ProgressingWithRetry = "ProgressingWithRetry";
    public const string ReconciliationSucceeded = "ReconciliationSucceeded";
    public const string ReconciliationFailed = "ReconciliationFailed";
    public const string ArtifactFailed = "ArtifactFailed";
    public const string BuildFailed = "BuildFailed";
    public const string HealthCheckFailed = "HealthCheckFailed";
    public const string HealthCheckCanceled = "HealthCheckCanceled";
    public const string PruneFailed = "PruneFailed";
    public const string DependencyNotReady = "DependencyNotReady";
    public const string AccessDenied = "AccessDenied";
    public const string InvalidCelExpression = "InvalidCELExpression";
    public const string FeatureGateDisabled = "FeatureGateDisabled";
    public const string InstallSucceeded = "InstallSucceeded";
    public const string InstallFailed = "InstallFailed";
    public const string UpgradeSucceeded = "UpgradeSucceeded";
    public const string UpgradeFailed = "UpgradeFailed";
    public const string TestSucceeded = "TestSucceeded";
    public const string TestFailed = "TestFailed";
    public const string RollbackSucceeded = "RollbackSucceeded";
    public const string RollbackFailed = "RollbackFailed";
    public const string UninstallSucceeded = "UninstallSucceeded";
    public const string UninstallFailed = "UninstallFailed";
    public const string ValuesError = "ValuesError";
    public const string ChartMutateError = "ChartMutateError";
    public const string RetriesExceeded = "RetriesExceeded";
    public const string MissingRollbackTarget = "MissingRollbackTarget";

    /// <summary>Ready=True reasons of a HelmRelease whose release step succeeded (summarize() in reconcile/release.go).</summary>
    public static readonly IReadOnlySet<string> HelmReleaseSuccess = new HashSet<string>(StringComparer.Ordinal)
    {
        InstallSucceeded, UpgradeSucceeded, TestSucceeded,
    };

    /// <summary>
    /// Ready=False reasons of a HelmRelease that mean the release of this generation failed. A
    /// remediation (RollbackSucceeded/UninstallSucceeded under Ready=False) means the upgrade was
    /// undone, which is a failure of the change too.
    /// </summary>
    public static readonly IReadOnlySet<string> HelmReleaseFailure = new HashSet<string>(StringComparer.Ordinal)
    {
        InstallFailed, UpgradeFailed, TestFailed, RollbackFailed, RollbackSucceeded, UninstallFailed, UninstallSucceeded,
        ValuesError, ChartMutateError, RetriesExceeded, MissingRollbackTarget, AccessDenied, InvalidCelExpression,
    };

    /// <summary>
    /// Ready=False reasons of a Kustomization that mean the attempted revision failed to apply
    /// (kustomization_controller.go). ArtifactFailed and DependencyNotReady are left out: they are
    /// about the source or another object and clear up on their own.
    /// </summary>
    public static readonly IReadOnlySet<string> KustomizationFailure = new HashSet<string>(StringComparer.Ordinal)
    {
        BuildFailed, ReconciliationFailed, PruneFailed, HealthCheckFailed, AccessDenied, InvalidCelExpression, FeatureGateDisabled,
    };
}

public static class ConditionList
{
    public static Condition? Find(this IReadOnlyList<Condition> conditions, string type) =>
        conditions.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.Ordinal));

    public static bool IsTrue(this IReadOnlyList<Condition> conditions, string type) => conditions.Find(type)?.IsTrue == true;
}
