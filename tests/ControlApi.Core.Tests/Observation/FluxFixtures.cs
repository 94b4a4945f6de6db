using ControlApi.Core.Clusters;
using ControlApi.Core.Observation;

namespace ControlApi.Core.Tests.Observation;

/// <summary>Flux objects as the controllers leave them, for one commit C (flux/NOTES.md examples).</summary>
internal static class FluxFixtures
{
    public const string C = "3f2b1c0d9e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4b";
    public const string Older = "1111111111111111111111111111111111111111";
    public const string Newer = "2222222222222222222222222222222222222222";

    public static readonly ObjectRef GitRepositoryRef = new("flux-system", "flux-system");
    public static readonly ObjectRef KustomizationRef = new("flux-system", "cilium");
    public static readonly ObjectRef HelmReleaseRef = new("kube-system", "cilium");

    public static string Rev(string sha) => $"main@sha1:{sha}";

    public static FluxObjectStatus Source(string sha, bool ready = true) =>
        new(FluxKind.GitRepository, GitRepositoryRef, true, 1, 1,
            [new Condition("Ready", ready ? "True" : "False", ready ? "Succeeded" : "FetchFailed", ready ? $"stored artifact for revision '{Rev(sha)}'" : "failed to checkout", 1)])
        { ArtifactRevision = Rev(sha) };

    public static FluxObjectStatus KustomizationAppliedAt(string sha, long generation = 4) =>
        new(FluxKind.Kustomization, KustomizationRef, true, generation, generation,
        [
            new Condition("Ready", "True", "ReconciliationSucceeded", $"Applied revision: {Rev(sha)}", generation),
            new Condition("Healthy", "True", "Succeeded", "Health check passed in 31.2s", generation),
        ])
        { LastAppliedRevision = Rev(sha), LastAttemptedRevision = Rev(sha), ChecksHealth = true };

    /// <summary>Attempting <paramref name="attempting"/> while the last applied is <paramref name="applied"/>.</summary>
    public static FluxObjectStatus KustomizationProgressing(string applied, string attempting, long generation = 4) =>
        new(FluxKind.Kustomization, KustomizationRef, true, generation, generation,
        [
            new Condition("Ready", "Unknown", "Progressing", "Reconciliation in progress", generation),
            new Condition("Reconciling", "True", "Progressing", $"Fetching manifests for revision {Rev(attempting)}", generation),
        ])
        { LastAppliedRevision = Rev(applied), LastAttemptedRevision = Rev(attempting), ChecksHealth = true };

    /// <summary>C applied, health checks running (wait: true): lastAppliedRevision still the old one.</summary>
    public static FluxObjectStatus KustomizationCheckingHealth(string applied, string attempting, long generation = 4) =>
        new(FluxKind.Kustomization, KustomizationRef, true, generation, generation,
        [
            new Condition("Ready", "Unknown", "Progressing", "Reconciliation in progress", generation),
            new Condition("Reconciling", "True", "Progressing", $"Fetching manifests for revision {Rev(attempting)}", generation),
            new Condition("Healthy", "Unknown", "Progressing", $"Running health checks for revision {Rev(attempting)} with a timeout of 10m0s", generation),
        ])
        { LastAppliedRevision = Rev(applied), LastAttemptedRevision = Rev(attempting), ChecksHealth = true };

    public static FluxObjectStatus KustomizationFailed(string applied, string attempting, string reason, string message, long generation = 4) =>
        new(FluxKind.Kustomization, KustomizationRef, true, generation, generation,
        [
            new Condition("Ready", "False", reason, message, generation),
            new Condition("Reconciling", "True", "ProgressingWithRetry", message, generation),
        ])
        { LastAppliedRevision = Rev(applied), LastAttemptedRevision = Rev(attempting), ChecksHealth = true };

    public static FluxObjectStatus ReleaseReady(long generation, string reason = "UpgradeSucceeded", long? readyObserved = null, long? observed = null) =>
        new(FluxKind.HelmRelease, HelmReleaseRef, true, generation, observed ?? generation,
        [
            new Condition("Ready", "True", reason, $"Helm upgrade succeeded for release kube-system/cilium.v{generation} with chart cilium@1.18.2", readyObserved ?? generation),
            new Condition("Released", "True", reason, "Helm upgrade succeeded", readyObserved ?? generation),
        ]);

    public static FluxObjectStatus ReleaseUpgrading(long generation, long observed) =>
        new(FluxKind.HelmRelease, HelmReleaseRef, true, generation, observed,
        [
            new Condition("Ready", "Unknown", "Progressing", "Running 'upgrade' action with timeout of 5m0s", observed),
            new Condition("Reconciling", "True", "Progressing", "Running 'upgrade' action with timeout of 5m0s", observed),
        ]);

    public const string UpgradeFailedMessage =
        "Helm upgrade failed for release kube-system/cilium with chart cilium@1.18.2: cannot patch \"cilium\" with kind DaemonSet: admission webhook denied the request";

    public static FluxObjectStatus ReleaseFailed(long generation, bool stalled = false) =>
        new(FluxKind.HelmRelease, HelmReleaseRef, true, generation, generation,
        [
            new Condition("Ready", "False", "UpgradeFailed", UpgradeFailedMessage, generation),
            new Condition("Released", "False", "UpgradeFailed", UpgradeFailedMessage, generation),
            .. stalled ? new[] { new Condition("Stalled", "True", "RetriesExceeded", "Failed to upgrade after 1 attempt(s)", generation) } : [],
        ]);
}
