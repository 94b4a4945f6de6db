using System.Text.Json.Serialization;

namespace ControlApi.Core.Revisions;

/// <summary>The revision lifecycle of SPEC §4, success path first, then the failure and end states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionState>))]
public enum RevisionState
{
    Accepted,
    Committed,
    Applied,
    RolledOut,
    Verified,
    CommitFailed,
    ReconcileFailed,
    RolloutStuck,
    VerificationFailed,
    Superseded,
    NoChange,

    /// <summary>Stored and numbered, waiting for the approvals its cluster's policy asks for; not the cluster's settings.</summary>
    PendingApproval,

    /// <summary>Nobody approved it in time; it never became the cluster's settings.</summary>
    Expired,

    /// <summary>Rejected (or withdrawn by its author) with a reason; it never became the cluster's settings.</summary>
    Rejected,
}

public static class RevisionStates
{
    /// <summary>States after which nothing more happens to a revision.</summary>
    public static bool IsTerminal(this RevisionState state) =>
        state is RevisionState.Verified or RevisionState.Superseded or RevisionState.NoChange
            or RevisionState.ReconcileFailed or RevisionState.RolloutStuck or RevisionState.VerificationFailed
            or RevisionState.Expired or RevisionState.Rejected;

    /// <summary>
    /// A revision that is, or was, the cluster's desired settings. Pending, expired and rejected
    /// requests keep their number but never were: the current revision and "the revision before"
    /// skip them.
    /// </summary>
    public static bool TookEffect(this RevisionState state) =>
        state is not (RevisionState.PendingApproval or RevisionState.Expired or RevisionState.Rejected);

    /// <summary>The states of revisions that never took effect, as stored (queries skip them).</summary>
    public static IReadOnlyList<string> NeverInEffectNames { get; } =
        [nameof(RevisionState.PendingApproval), nameof(RevisionState.Expired), nameof(RevisionState.Rejected)];

    /// <summary>On the way from the commit to Verified: a tracker follows these.</summary>
    public static bool IsConverging(this RevisionState state) =>
        state is RevisionState.Committed or RevisionState.Applied or RevisionState.RolledOut;

    /// <summary>The converging states as stored (queries match on the names).</summary>
    public static IReadOnlyList<string> ConvergingNames { get; } =
        [nameof(RevisionState.Committed), nameof(RevisionState.Applied), nameof(RevisionState.RolledOut)];

    /// <summary>
    /// Failures after the commit that the cluster can still put right by itself — Flux retries a
    /// failed upgrade, a stuck rollout resumes, late agents converge — so the newest committed
    /// revision in one of them is still observed, and moves on when the cluster gets there.
    /// </summary>
    public static bool MayRecover(this RevisionState state) =>
        state is RevisionState.ReconcileFailed or RevisionState.RolloutStuck or RevisionState.VerificationFailed;

    /// <summary>The recoverable failures as stored.</summary>
    public static IReadOnlyList<string> RecoverableNames { get; } =
        [nameof(RevisionState.ReconcileFailed), nameof(RevisionState.RolloutStuck), nameof(RevisionState.VerificationFailed)];

    public static RevisionState Parse(string value) => Enum.Parse<RevisionState>(value, ignoreCase: false);
}
