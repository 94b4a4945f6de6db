namespace ControlApi.Core.Observation;

/// <summary>kstatus results (fluxcd/cli-utils pkg/kstatus/status).</summary>
public enum KStatusResult
{
    Current,
    InProgress,
    Failed,
    Terminating,
    NotFound,
}

/// <summary>
/// kstatus for Flux custom resources, as flux/NOTES.md reads generic.go and status.go: terminating
/// first, then an unobserved generation, Reconciling=True, Stalled=True; otherwise Ready decides.
/// </summary>
public static class KStatus
{
    public static KStatusResult Compute(FluxObjectStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!status.Found) return KStatusResult.NotFound;
        if (status.Terminating) return KStatusResult.Terminating;
        if (status.ObservedGeneration != status.Generation) return KStatusResult.InProgress;
        if (status.Conditions.IsTrue(ConditionTypes.Reconciling)) return KStatusResult.InProgress;
        if (status.Conditions.IsTrue(ConditionTypes.Stalled)) return KStatusResult.Failed;
        return status.Ready switch
        {
            null => KStatusResult.Current,
            { IsTrue: true } => KStatusResult.Current,
            _ => KStatusResult.InProgress,
        };
    }

    /// <summary>
    /// The flux CLI's isObjectReady (cmd/flux/readiness.go): observed at least once, Ready=True for
    /// the current generation, and kstatus Current.
    /// </summary>
    public static bool IsReady(FluxObjectStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!status.Found || status.ObservedGeneration < 1) return false;
        if (status.Ready is not { IsTrue: true } ready) return false;
        var observed = ready.ObservedGeneration != 0 ? ready.ObservedGeneration : status.ObservedGeneration;
        return observed == status.Generation && Compute(status) == KStatusResult.Current;
    }
}
