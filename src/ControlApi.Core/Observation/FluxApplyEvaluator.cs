namespace ControlApi.Core.Observation;

/// <summary>Where a commit stands in Flux: still on its way, applied (with the HelmRelease generation that proves it), or failed.</summary>
public abstract record FluxProgress
{
    private FluxProgress() { }

    /// <param name="Stage">The object the commit is waiting on.</param>
    /// <param name="Detail">What that object shows now, for the status and a deadline's reason.</param>
    public sealed record Waiting(FluxKind Stage, string Detail) : FluxProgress;

    /// <param name="HelmReleaseGeneration">G, read after the Kustomization applied the commit.</param>
    public sealed record Applied(string Revision, long HelmReleaseGeneration, string Detail) : FluxProgress;

    /// <summary>Flux's own condition reason and message, from the object that failed.</summary>
    public sealed record Failed(FluxKind Object, string Reason, string Message) : FluxProgress;
}

/// <summary>
/// Decides from one snapshot whether Flux applied commit C and the HelmRelease it carries is healthy,
/// by flux/NOTES.md: the GitRepository artifact and then the Kustomization's
/// <c>lastAppliedRevision</c> name C or a descendant, the Kustomization is Ready
/// (<c>ReconciliationSucceeded</c>) at its generation with nothing Reconciling or Stalled and
/// Healthy when it checks health; then the HelmRelease, whose status carries no SHA, is Ready with a
/// release reason at the generation G read after that — the snapshot reads it after the Kustomization.
/// </summary>
public static class FluxApplyEvaluator
{
    /// <param name="acceptedCommits">C and every commit known to descend from it (lowercase hex).</param>
    public static FluxProgress Determine(FluxSnapshot snapshot, IReadOnlySet<string> acceptedCommits)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(acceptedCommits);
        bool Accepted(string? revision) => FluxRevision.Hash(revision) is { } hash && acceptedCommits.Contains(hash);

        var source = snapshot.GitRepository;
        var kustomization = snapshot.Kustomization;
        var release = snapshot.HelmRelease;

        // The Kustomization already naming C proves the source had it; the GitRepository can only
        // hold C up — so it is checked only while the Kustomization has not got there.
        if (!Accepted(kustomization.LastAppliedRevision))
        {
            if (KustomizationFailure(kustomization, Accepted) is { } failure) return MostSpecific(failure, release);
            // Applied but still health-checking C (wait: true): a release failing now failed on C's generation.
            if (CheckingHealthOf(kustomization, Accepted) && ReleaseFailure(release) is { } releaseFailure) return releaseFailure;
            if (!source.Found) return Wait(source, "the GitRepository does not exist");
            if (source.Suspended) return Wait(source, "the GitRepository is suspended");
            if (!Accepted(source.ArtifactRevision))
                return Wait(source, $"the GitRepository has {Describe(source.ArtifactRevision)}{ReadySuffix(source)}");
            if (!kustomization.Found) return Wait(kustomization, "the Kustomization does not exist");
            if (kustomization.Suspended) return Wait(kustomization, "the Kustomization is suspended");
            return Wait(kustomization, $"the Kustomization has applied {Describe(kustomization.LastAppliedRevision)}{ReadySuffix(kustomization)}");
        }

        if (KustomizationFailure(kustomization, Accepted) is { } failed) return MostSpecific(failed, release);
        if (KustomizationWaiting(kustomization) is { } waiting) return Wait(kustomization, waiting);

        if (!release.Found) return Wait(release, "the HelmRelease does not exist");
        if (ReleaseFailure(release) is { } releaseFailed) return releaseFailed;
        if (release.Suspended) return Wait(release, "the HelmRelease is suspended");
        var g = release.Generation;
        var ready = release.Ready;
        if (release.ObservedGeneration != g)
            return Wait(release, $"the HelmRelease has not observed generation {g} yet (observed {release.ObservedGeneration})");
        if (ready is not { IsTrue: true } || ready.ObservedGeneration != g || !FluxReasons.HelmReleaseSuccess.Contains(ready.Reason ?? ""))
            return Wait(release, $"the HelmRelease is not Ready at generation {g}{ReadySuffix(release)}");
        if (release.Conditions.IsTrue(ConditionTypes.Reconciling))
            return Wait(release, "the HelmRelease is still reconciling");

        return new FluxProgress.Applied(kustomization.LastAppliedRevision!, g, ready.Message ?? ready.Reason ?? "");
    }

    /// <summary>The Kustomization at C but not yet done: generation, Ready reason, Reconciling, Healthy.</summary>
    private static string? KustomizationWaiting(FluxObjectStatus k)
    {
        if (k.ObservedGeneration != k.Generation) return $"the Kustomization has not observed generation {k.Generation} yet";
        if (k.Ready is not { IsTrue: true, Reason: FluxReasons.ReconciliationSucceeded }) return $"the Kustomization is not Ready{ReadySuffix(k)}";
        if (k.Conditions.IsTrue(ConditionTypes.Reconciling)) return "the Kustomization is still reconciling";
        if (k.ChecksHealth && !k.Conditions.IsTrue(ConditionTypes.Healthy)) return "the Kustomization's health checks have not passed yet";
        return null;
    }

    /// <summary>
    /// The Kustomization applied the attempted revision and runs its health checks: Healthy is
    /// Unknown/False with "Running health checks for revision &lt;rev&gt; …" (kustomization_controller.go),
    /// so the HelmRelease already carries that revision's spec.
    /// </summary>
    private static bool CheckingHealthOf(FluxObjectStatus k, Func<string?, bool> accepted) =>
        k.Found && accepted(k.LastAttemptedRevision)
        && k.Conditions.Find(ConditionTypes.Healthy) is { IsTrue: false, Message: { } message }
        && message.Contains(k.LastAttemptedRevision!, StringComparison.Ordinal);

    /// <summary>
    /// A failed health check is usually the HelmRelease failing under it; its own reason ("Helm
    /// upgrade failed …") says more than "health check failed", so it wins when present.
    /// </summary>
    private static FluxProgress.Failed MostSpecific(FluxProgress.Failed kustomization, FluxObjectStatus release) =>
        kustomization.Reason == FluxReasons.HealthCheckFailed && ReleaseFailure(release) is { } released ? released : kustomization;

    /// <summary>A terminal Stalled, or Ready=False with a failure reason for an attempt at C.</summary>
    private static FluxProgress.Failed? KustomizationFailure(FluxObjectStatus k, Func<string?, bool> accepted)
    {
        if (!k.Found) return null;
        if (k.Conditions.Find(ConditionTypes.Stalled) is { IsTrue: true } stalled)
            return new FluxProgress.Failed(FluxKind.Kustomization, stalled.Reason ?? ConditionTypes.Stalled, stalled.Message ?? "");
        if (!accepted(k.LastAttemptedRevision)) return null;
        return k.Ready is { IsFalse: true } ready && FluxReasons.KustomizationFailure.Contains(ready.Reason ?? "")
            ? new FluxProgress.Failed(FluxKind.Kustomization, ready.Reason!, ready.Message ?? "")
            : null;
    }

    /// <summary>
    /// The HelmRelease failed at its current generation: Stalled=True (retries exhausted), or
    /// Ready=False with a release failure reason observed at that generation.
    /// </summary>
    private static FluxProgress.Failed? ReleaseFailure(FluxObjectStatus release)
    {
        if (!release.Found) return null;
        if (release.Conditions.Find(ConditionTypes.Stalled) is { IsTrue: true } stalled)
        {
            // Stalled carries the reason (RetriesExceeded); Ready keeps the release's own message.
            var message = release.Ready is { IsFalse: true, Message: { Length: > 0 } m } ? m : stalled.Message ?? "";
            return new FluxProgress.Failed(FluxKind.HelmRelease, stalled.Reason ?? ConditionTypes.Stalled, message);
        }
        return release.Ready is { IsFalse: true } ready
            && FluxReasons.HelmReleaseFailure.Contains(ready.Reason ?? "")
            && (ready.ObservedGeneration == 0 ? release.ObservedGeneration : ready.ObservedGeneration) == release.Generation
            ? new FluxProgress.Failed(FluxKind.HelmRelease, ready.Reason!, ready.Message ?? "")
            : null;
    }

    private static FluxProgress.Waiting Wait(FluxObjectStatus o, string detail) => new(o.Kind, detail);

    private static string Describe(string? revision) => string.IsNullOrEmpty(revision) ? "no revision yet" : $"revision {revision}";

    private static string ReadySuffix(FluxObjectStatus o) =>
        o.Ready is { } ready && !ready.IsTrue ? $" (Ready={ready.Status} {ready.Reason}: {ready.Message})" : "";
}
