using ControlApi.Core.Clusters;

namespace ControlApi.Core.Observation;

public enum FluxKind
{
    GitRepository,
    Kustomization,
    HelmRelease,
}

/// <summary>
/// What ControlApi reads from one Flux object: generations, conditions and the revision fields of
/// its kind (flux/NOTES.md). <see cref="Found"/> false is a missing object (404).
/// </summary>
public sealed record FluxObjectStatus(FluxKind Kind, ObjectRef Ref, bool Found, long Generation, long ObservedGeneration, IReadOnlyList<Condition> Conditions)
{
    /// <summary>GitRepository <c>status.artifact.revision</c>, e.g. <c>main@sha1:&lt;hex&gt;</c>.</summary>
    public string? ArtifactRevision { get; init; }

    /// <summary>Kustomization <c>status.lastAppliedRevision</c>: set only after apply and health checks succeed.</summary>
    public string? LastAppliedRevision { get; init; }

    /// <summary>Kustomization: the source revision of the last attempt; HelmRelease: the chart version.</summary>
    public string? LastAttemptedRevision { get; init; }

    /// <summary>Echo of the <c>reconcile.fluxcd.io/requestedAt</c> annotation the controller handled.</summary>
    public string? LastHandledReconcileAt { get; init; }

    /// <summary>HelmRelease <c>status.lastHandledForceAt</c>: the forced upgrade (<c>flux reconcile hr --force</c>) last handled.</summary>
    public string? LastHandledForceAt { get; init; }

    /// <summary>Kustomization with <c>spec.wait</c> or <c>spec.healthChecks</c>: a <c>Healthy</c> condition must be True.</summary>
    public bool ChecksHealth { get; init; }

    /// <summary><c>spec.suspend</c>: Flux does nothing with it until resumed.</summary>
    public bool Suspended { get; init; }

    public bool Terminating { get; init; }

    /// <summary>HelmRelease <c>status.history[0]</c> (newest snapshot), when present.</summary>
    public HelmReleaseSnapshot? LatestRelease { get; init; }

    public Condition? Ready => Conditions.Find(ConditionTypes.Ready);

    /// <summary>Ready=False with a reason naming a failed action (helm-controller's UpgradeFailed, InstallFailed, …).</summary>
    public bool ReportsFailedAction => Ready is { IsFalse: true, Reason: { } reason } && reason.EndsWith("Failed", StringComparison.Ordinal);

    /// <summary>
    /// The HelmRelease's failure when its latest release failed or it reports a failed action (its
    /// Ready reason and message); null otherwise, and for other kinds.
    /// </summary>
    public string? HelmFailure()
    {
        if (!Found || Kind != FluxKind.HelmRelease || (LatestRelease?.Status != "failed" && !ReportsFailedAction)) return null;
        return Ready is { Reason: { } why } ready ? $"HelmRelease {Ref} {why}: {ready.Message}" : $"HelmRelease {Ref}: the latest release failed";
    }

    public static FluxObjectStatus Missing(FluxKind kind, ObjectRef reference) => new(kind, reference, false, 0, 0, []);

    public override string ToString() => $"{Kind} {Ref}";
}

/// <summary>One HelmRelease history snapshot (api/v2/snapshot_types.go).</summary>
public sealed record HelmReleaseSnapshot(int Version, string Status, string? ChartVersion, string? ConfigDigest);

/// <summary>The three Flux objects that carry a commit to the cluster, read in this order.</summary>
public sealed record FluxSnapshot(FluxObjectStatus GitRepository, FluxObjectStatus Kustomization, FluxObjectStatus HelmRelease)
{
    /// <summary>Every commit hash the snapshot names, so the caller can learn which descend from the tracked commit.</summary>
    public IEnumerable<string> NamedCommits() =>
        new[] { GitRepository.ArtifactRevision, Kustomization.LastAppliedRevision, Kustomization.LastAttemptedRevision }
            .Select(FluxRevision.Hash).OfType<string>().Distinct(StringComparer.Ordinal);
}
