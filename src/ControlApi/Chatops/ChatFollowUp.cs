using ControlApi.Core.Revisions;
using ControlApi.Revisions;

namespace ControlApi.Chatops;

/// <summary>
/// A revision a chat channel is waiting on, carried from one follow-up job run to the next
/// (Hangfire stores it as the job's argument).
/// </summary>
public sealed record ChatFollowUp(
    string Platform,
    string ResponseUrl,
    string Cluster,
    int Revision,
    DateTimeOffset Started,
    DateTimeOffset Deadline,
    RevisionState? Reported = null,
    int Posts = 0,
    int Checks = 0);

/// <summary>What to do after one look at the revision: maybe post, and whether to look again.</summary>
public sealed record FollowUpStep(ChatReply? Post, bool Finished);

/// <summary>Decides the next follow-up step from what was observed. Pure, so each case is a table row in a test.</summary>
public static class FollowUpDecision
{
    /// <summary>Slack accepts at most five posts to one response_url (within 30 minutes).</summary>
    public const int MaxPosts = 5;

    public static FollowUpStep Decide(ChatFollowUp followUp, RevisionResource revision, LiveStatus live, DateTimeOffset now)
    {
        if (revision.State is not { } state) return new FollowUpStep(null, true);

        // A verified canary waits for someone to promote it: the channel is told, and `promote` follows it from there.
        var ended = state.IsTerminal() || (state == RevisionState.Committed && !live.TracksRevisions)
            || (state == RevisionState.CanaryVerified && revision.Canary is { PromotedAt: null });
        var news = state != followUp.Reported ? Milestone(revision, state, live) : null;
        if (news is null && !ended && now >= followUp.Deadline)
            return new FollowUpStep(ChatReplies.StillWaiting(revision, now - followUp.Started), true);

        var lastPost = followUp.Posts + (news is null ? 0 : 1) >= MaxPosts;
        return new FollowUpStep(news, ended || lastPost || now >= followUp.Deadline);
    }

    /// <summary>
    /// Every state a person waits for: committed, applied by Flux, rolled out, then verified or the
    /// failure with its reason. Looks are spaced out, so a step passed between two looks is not told:
    /// the channel hears the newest state. At most five posts fit: Committed … Verified take four.
    /// </summary>
    private static ChatReply? Milestone(RevisionResource revision, RevisionState state, LiveStatus live) => state switch
    {
        RevisionState.Committed => ChatReplies.Committed(revision, live),
        RevisionState.Applied => ChatReplies.Applied(revision),
        RevisionState.RolledOut => ChatReplies.RolledOut(revision),
        RevisionState.Canary => ChatCanary.Restarting(revision),
        RevisionState.CanaryVerified when revision.Canary is { PromotedAt: null } => ChatCanary.Verified(revision),
        RevisionState.CommitFailed => ChatReplies.CommitFailing(revision),
        _ when state.IsTerminal() => ChatReplies.Ended(revision),
        _ => null,
    };
}
