using ControlApi.Core.Revisions;
using ControlApi.Revisions;
using ControlApi.Tracking;

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
    int Checks = 0,
    int RollbackLooks = 0,
    bool EndOnly = false);

/// <summary>
/// What to do after one look at the revision: maybe post, whether to look again, and which revision
/// to follow next (the automatic rollback of a failed one).
/// </summary>
public sealed record FollowUpStep(ChatReply? Post, bool Finished, int? FollowNext = null, bool AwaitingRollback = false);

/// <summary>
/// What the follow-up knows of an automatic rollback of the revision it follows: whether one is due
/// (the cluster rolls back automatically and the revision is an ordinary one that failed), and the
/// rollback once made (or refused).
/// </summary>
public sealed record RollbackNews(bool Expected, AutomaticRollbackRecord? Made)
{
    public static RollbackNews None { get; } = new(false, null);
}

/// <summary>Decides the next follow-up step from what was observed. Pure, so each case is a table row in a test.</summary>
public static class FollowUpDecision
{
    /// <summary>Slack accepts at most five posts to one response_url (within 30 minutes).</summary>
    public const int MaxPosts = 5;

    /// <summary>
    /// How many looks a failed revision waits for its automatic rollback to show. The tracker that
    /// records the failure makes the rollback at once, the poll within a minute if a replica died in
    /// between; when neither does (nothing was ever Verified), the channel already heard the failure.
    /// </summary>
    public const int MaxRollbackLooks = 5;

    public static FollowUpStep Decide(ChatFollowUp followUp, RevisionResource revision, LiveStatus live, DateTimeOffset now, RollbackNews? rollback = null)
    {
        if (revision.State is not { } state) return new FollowUpStep(null, true);
        if (rollback is { Expected: true } && state.MayRecover())
            return AfterFailure(followUp, revision, state, rollback, now);

        // A verified canary waits for someone to promote it: the channel is told, and `promote` follows it from there.
        var ended = state.IsTerminal() || (state == RevisionState.Committed && !live.TracksRevisions)
            || (state == RevisionState.CanaryVerified && revision.Canary is { PromotedAt: null });
        var news = state != followUp.Reported ? Milestone(followUp, revision, state, live) : null;
        if (news is null && !ended && now >= followUp.Deadline)
            return new FollowUpStep(ChatReplies.StillWaiting(revision, now - followUp.Started), true);

        var lastPost = followUp.Posts + (news is null ? 0 : 1) >= MaxPosts;
        return new FollowUpStep(news, ended || lastPost || now >= followUp.Deadline);
    }

    /// <summary>
    /// A failure the cluster answers with an automatic rollback: the channel hears the failure and the
    /// rollback (in one post when both are known at the same look), then the rollback revision's end —
    /// only its end, as Slack allows five posts to one response_url.
    /// </summary>
    private static FollowUpStep AfterFailure(ChatFollowUp followUp, RevisionResource revision, RevisionState state, RollbackNews rollback, DateTimeOffset now)
    {
        var failureTold = followUp.Reported == state;
        if (rollback.Made is { } made)
        {
            var post = ChatReplies.RolledBackAutomatically(revision, made, includeFailure: !failureTold);
            var budgetLeft = followUp.Posts + 1 < MaxPosts;
            return new FollowUpStep(post, true, made.Revision is { } next && budgetLeft && now < followUp.Deadline ? next : null);
        }
        if (!failureTold)
            return new FollowUpStep(ChatReplies.Ended(revision), followUp.Posts + 1 >= MaxPosts || now >= followUp.Deadline, AwaitingRollback: true);
        var done = followUp.RollbackLooks >= MaxRollbackLooks || now >= followUp.Deadline;
        return new FollowUpStep(null, done, AwaitingRollback: !done);
    }

    /// <summary>
    /// Every state a person waits for: committed, applied by Flux, rolled out, then verified or the
    /// failure with its reason. Scheduled is not news (the change's answer said when it goes) and not
    /// an end: it is followed on, and a follow-up that stops at its deadline says when it goes. Looks are spaced out, so a step passed between two looks is not told:
    /// the channel hears the newest state. At most five posts fit: Committed … Verified take four.
    /// </summary>
    private static ChatReply? Milestone(ChatFollowUp followUp, RevisionResource revision, RevisionState state, LiveStatus live) => state switch
    {
        _ when followUp.EndOnly && !state.IsTerminal() => null,
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
