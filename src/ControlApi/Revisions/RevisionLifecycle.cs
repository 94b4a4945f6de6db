using ControlApi.Core.Revisions;
using ControlApi.Data.Entities;

namespace ControlApi.Revisions;

/// <summary>Moves a tracked revision to a new state and records the step in its timeline.</summary>
public static class RevisionLifecycle
{
    /// <summary>How the reason of a revision that failed for good (not retried) begins.</summary>
    public const string NotRetried = "Not committed, and not retried: ";

    /// <summary>
    /// Sets the state (and its reason) and appends a timeline entry. A repeat of the same state with
    /// the same reason adds nothing, so retries do not bloat the timeline.
    /// </summary>
    public static bool MoveTo(Revision revision, RevisionState state, DateTimeOffset at, string? reason = null)
    {
        var name = state.ToString();
        if (revision.State == name && revision.StateReason == reason) return false;
        revision.State = name;
        revision.StateReason = reason;
        revision.StateChangedAt = at;
        revision.Timeline.Add(new RevisionTransition { RevisionId = revision.Id, State = name, At = at, Message = reason });
        return true;
    }
}
