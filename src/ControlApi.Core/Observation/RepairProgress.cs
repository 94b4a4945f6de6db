using System.Globalization;

namespace ControlApi.Core.Observation;

/// <summary>Where a forced re-apply of the HelmRelease (<c>flux reconcile hr --force</c>) stands.</summary>
public abstract record RepairVerdict
{
    private RepairVerdict() { }

    /// <summary>helm-controller handled the request and the release is Ready: its objects are as the chart renders them.</summary>
    public sealed record Done(string Detail) : RepairVerdict;

    public sealed record Failed(string Reason) : RepairVerdict;

    public sealed record Waiting(string Detail) : RepairVerdict;
}

/// <summary>
/// Pure: judges one read of the HelmRelease after ControlApi set <c>requestedAt</c> and
/// <c>forceAt</c> to <paramref name="stamp"/>. helm-controller echoes a handled force request into
/// <c>status.lastHandledForceAt</c> (flux/NOTES.md); until then, and while the upgrade runs, it waits —
/// up to <paramref name="deadline"/> after the request.
/// </summary>
public static class RepairProgress
{
    public static RepairVerdict Decide(FluxObjectStatus release, string stamp, DateTimeOffset requestedAt, DateTimeOffset now, TimeSpan deadline)
    {
        if (!release.Found) return new RepairVerdict.Failed($"{release} does not exist.");
        var late = now - requestedAt > deadline;
        var minutes = deadline.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);
        if (release.LastHandledForceAt != stamp)
            return late
                ? new RepairVerdict.Failed($"helm-controller did not handle the forced upgrade within {minutes} min (is {release} suspended, or the controller down?).")
                : new RepairVerdict.Waiting("helm-controller has not picked the request up yet");

        var ready = release.Ready;
        var reconciling = release.Conditions.Find(ConditionTypes.Reconciling) is { IsTrue: true };
        if (ready is { IsTrue: true } && !reconciling && release.ObservedGeneration == release.Generation)
            return new RepairVerdict.Done($"{release} Ready: {ready.Message}");
        if (release.ReportsFailedAction)
            return new RepairVerdict.Failed($"{release} {ready!.Reason}: {ready.Message}");
        return late
            ? new RepairVerdict.Failed($"{release} was not Ready {minutes} min after the forced upgrade: {ready?.Message ?? "no Ready condition"}")
            : new RepairVerdict.Waiting($"upgrading: {ready?.Message ?? "no Ready condition yet"}");
    }
}
