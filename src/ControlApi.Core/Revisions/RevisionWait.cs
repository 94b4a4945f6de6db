using System.Text.Json.Serialization;

namespace ControlApi.Core.Revisions;

/// <summary>How a wait for a revision state ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WaitOutcome>))]
public enum WaitOutcome
{
    /// <summary>The revision is in the requested state or a later one on the success path.</summary>
    [JsonStringEnumMemberName("reached")] Reached,

    /// <summary>The revision left the success path (a failure, NoChange, Superseded): the requested state will not come.</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Neither happened in time; the answer shows the current state.</summary>
    [JsonStringEnumMemberName("timedOut")] TimedOut,
}

/// <summary>
/// Which states a caller may wait for and when such a wait is over: the success path of SPEC §4,
/// Accepted → Committed → Applied → RolledOut → Verified, with a canary's Canary → CanaryVerified
/// after Committed (its promotion commit goes on through Applied to Verified). Pure, so each case is
/// a table row in a test.
/// </summary>
public static class RevisionWait
{
    /// <summary>The states a caller can wait for, in lifecycle order.</summary>
    public static IReadOnlyList<RevisionState> SuccessPath { get; } =
        [RevisionState.Accepted, RevisionState.Committed, RevisionState.Canary, RevisionState.CanaryVerified, RevisionState.Applied, RevisionState.RolledOut, RevisionState.Verified];

    public static bool CanWaitFor(RevisionState state) => SuccessPath.Contains(state);

    /// <summary>
    /// Null while the wait goes on. Any state off the success path ends it as failed — CommitFailed
    /// too: it is retried, but a caller blocked on a deploy should hear at once that the remote refuses.
    /// Scheduled comes before the success path (it becomes Accepted when its change window opens), so
    /// a wait on it goes on until its timeout, which then shows the revision still Scheduled.
    /// </summary>
    public static WaitOutcome? Judge(RevisionState requested, RevisionState current)
    {
        var wanted = IndexOf(requested);
        if (wanted < 0) throw new ArgumentOutOfRangeException(nameof(requested), requested, "Only states of the success path can be waited for.");
        if (current == RevisionState.Scheduled) return null;
        // Waiting for approval comes before Accepted: the wait goes on until someone decides.
        if (current == RevisionState.PendingApproval) return null;
        var now = IndexOf(current);
        if (now < 0) return WaitOutcome.Failed;
        return now >= wanted ? WaitOutcome.Reached : null;
    }

    private static int IndexOf(RevisionState state)
    {
        for (var i = 0; i < SuccessPath.Count; i++)
            if (SuccessPath[i] == state) return i;
        return -1;
    }
}
