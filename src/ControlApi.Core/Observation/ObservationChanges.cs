using System.Globalization;
using ControlApi.Core.LiveState;

namespace ControlApi.Core.Observation;

/// <summary>
/// What one poll found that matters for the audit. A null <see cref="Drift"/> or
/// <see cref="Leftovers"/> means "not evaluated this time" (the cluster was unreachable, or a
/// revision is still rolling out), which changes nothing that was remembered.
/// </summary>
public sealed record ClusterFacts(bool Reachable, string? Problem, IReadOnlyList<ConfigKeyDrift>? Drift, IReadOnlyList<MigrationLeftover>? Leftovers)
{
    /// <summary>
    /// The HelmRelease's latest release failed (its Ready reason and message): drift then follows
    /// that failure — Helm never wrote the desired values — rather than someone's hand edit.
    /// </summary>
    public string? HelmFailure { get; init; }
}

/// <summary>
/// What the audit has already been told about a cluster, kept in the database so a restart or a
/// reconnect never repeats an event. <see cref="Drift"/> holds <c>key=live</c> entries,
/// <see cref="Leftovers"/> the leftovers' keys, both sorted.
/// </summary>
public sealed record RememberedFacts(bool? Reachable, IReadOnlyList<string> Drift, IReadOnlyList<string> Leftovers, DateTimeOffset? LastHeartbeatAt)
{
    public static RememberedFacts None { get; } = new(null, [], [], null);

    public bool Equals(RememberedFacts? other) =>
        other is not null && Reachable == other.Reachable && LastHeartbeatAt == other.LastHeartbeatAt
        && Drift.SequenceEqual(other.Drift) && Leftovers.SequenceEqual(other.Leftovers);

    public override int GetHashCode() => HashCode.Combine(Reachable, LastHeartbeatAt, Drift.Count, Leftovers.Count);
}

public enum ObservedChangeKind
{
    ClusterUnreachable,
    ClusterReachable,
    DriftDetected,
    DriftCleared,
    LeftoverFound,
    Heartbeat,
}

/// <summary>Why cilium-config differs from the desired settings, as far as the cluster tells.</summary>
public static class DriftCauses
{
    /// <summary>The HelmRelease's latest release failed, so Helm never wrote the desired values.</summary>
    public const string HelmUpgradeFailed = "helm-upgrade-failed";

    /// <summary>Nothing in Flux explains it: typically a hand edit (kubectl edit).</summary>
    public const string Unexplained = "unexplained";
}

public sealed record ObservedChange(ObservedChangeKind Kind, string Summary)
{
    /// <summary>For drift: one of <see cref="DriftCauses"/>.</summary>
    public string? Cause { get; init; }

    public string? Problem { get; init; }
    public IReadOnlyList<ConfigKeyDrift> Drift { get; init; } = [];
    public IReadOnlyList<MigrationLeftover> Leftovers { get; init; } = [];
}

/// <summary>
/// Turns a poll into audit-worthy changes against what was remembered: reachability flips, the set of
/// drifting keys appearing, changing or clearing, new leftovers, and a heartbeat at most once per
/// interval. The same facts twice yield nothing the second time.
/// </summary>
public static class ObservationChanges
{
    public static (IReadOnlyList<ObservedChange> Changes, RememberedFacts Next) Between(
        RememberedFacts previous, ClusterFacts current, DateTimeOffset now, TimeSpan heartbeatInterval)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var changes = new List<ObservedChange>();
        var next = previous;

        if (!current.Reachable && previous.Reachable != false)
            changes.Add(new ObservedChange(ObservedChangeKind.ClusterUnreachable, $"the Kubernetes API is unreachable: {current.Problem}") { Problem = current.Problem });
        else if (current.Reachable && previous.Reachable == false)
            changes.Add(new ObservedChange(ObservedChangeKind.ClusterReachable, "the Kubernetes API is reachable again"));
        next = next with { Reachable = current.Reachable };

        if (current.Drift is { } drift)
        {
            var entries = drift.Select(d => $"{d.Key}={d.Actual}").Order(StringComparer.Ordinal).ToList();
            if (!entries.SequenceEqual(previous.Drift, StringComparer.Ordinal))
            {
                if (entries.Count > 0)
                    changes.Add(new ObservedChange(ObservedChangeKind.DriftDetected,
                        $"cilium-config differs from the desired settings in {Count(entries.Count, "key")}: {string.Join(", ", drift.Select(d => $"{d.Key} (desired {d.Desired}, live {d.Actual})"))}"
                        + (current.HelmFailure is { } failure ? $" — it follows a failed Helm upgrade ({failure}), not a hand edit" : " — no Helm upgrade failed: edited by hand?"))
                    { Drift = drift, Cause = current.HelmFailure is null ? DriftCauses.Unexplained : DriftCauses.HelmUpgradeFailed });
                else
                    changes.Add(new ObservedChange(ObservedChangeKind.DriftCleared, "cilium-config matches the desired settings again"));
                next = next with { Drift = entries };
            }
        }

        if (current.Leftovers is { } leftovers)
        {
            var keys = leftovers.Select(l => l.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var remembered = previous.Leftovers.ToHashSet(StringComparer.Ordinal);
            var fresh = leftovers.Where(l => !remembered.Contains(l.Key)).ToList();
            if (fresh.Count > 0)
                changes.Add(new ObservedChange(ObservedChangeKind.LeftoverFound,
                    $"migration leftover{(fresh.Count == 1 ? "" : "s")}: {string.Join("; ", fresh.Take(5).Select(l => l.Detail))}{(fresh.Count > 5 ? $"; and {fresh.Count - 5} more" : "")}")
                { Leftovers = fresh });
            next = next with { Leftovers = keys };
        }

        if (previous.LastHeartbeatAt is not { } last || now - last >= heartbeatInterval)
        {
            changes.Add(new ObservedChange(ObservedChangeKind.Heartbeat,
                current.Reachable ? "observing: the cluster answers" : $"observing: the cluster does not answer ({current.Problem})"));
            next = next with { LastHeartbeatAt = now };
        }

        return (changes, next);
    }

    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
