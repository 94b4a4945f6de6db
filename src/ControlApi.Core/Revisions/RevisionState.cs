using System.Text.Json.Serialization;

namespace ControlApi.Core.Revisions;

/// <summary>The revision lifecycle of SPEC §4, success path first, then the failure and end states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionState>))]
public enum RevisionState
{
    Accepted,
    Committed,

    /// <summary>A canary commit is applied: agents on the selected nodes restart with its CiliumNodeConfig and are verified.</summary>
    Canary,

    /// <summary>The canary nodes run the change and showed it working; it waits to be promoted cluster-wide.</summary>
    CanaryVerified,
    Applied,
    RolledOut,
    Verified,
    CommitFailed,
    ReconcileFailed,
    RolloutStuck,
    VerificationFailed,
    Superseded,
    NoChange,

    /// <summary>
    /// Accepted outside the cluster's change window: stored and current (later changes build on it),
    /// but not committed until the window opens; then it moves on to Accepted. Neither terminal nor
    /// converging. Listed last so stored names and older clients keep their meaning.
    /// </summary>
    Scheduled,

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
        state is RevisionState.Committed or RevisionState.Canary or RevisionState.Applied or RevisionState.RolledOut;

    /// <summary>The converging states as stored (queries match on the names).</summary>
    public static IReadOnlyList<string> ConvergingNames { get; } =
        [nameof(RevisionState.Committed), nameof(RevisionState.Canary), nameof(RevisionState.Applied), nameof(RevisionState.RolledOut)];

    /// <summary>
    /// Committed and live somewhere, but not yet everywhere: a canary that passed waits for its
    /// promotion (not converging: nothing moves until someone promotes it or the soak time ends).
    /// A newer commit supersedes it like a converging revision.
    /// </summary>
    public static IReadOnlyList<string> SupersedableNames { get; } =
        [.. ConvergingNames, nameof(RevisionState.CanaryVerified)];

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
