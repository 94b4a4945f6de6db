using System.Globalization;
using ControlApi.Approvals;
using ControlApi.Configuration;
using ControlApi.Revisions;
using static ControlApi.Chatops.ChatMessages;

namespace ControlApi.Chatops;

/// <summary>Chat answers about the two-person rule: a held change with its decision, and each way a decision ends.</summary>
public static class ChatApprovals
{
    /// <summary>{0} cluster, {1} revision: how to decide from a text-only platform (Slack shows buttons too).</summary>
    public const string DecideFormat = "Someone else approves with `approve {1} {0}`, or rejects with `reject {1} {0} <reason>`; the author may withdraw it the same way.";

    public static ChatReply Pending(ManagedCluster cluster, ChatRequest request, ChangeResource change, string changes)
    {
        var revision = change.Revision;
        var approval = revision.Approval!;
        var blocks = new List<ChatBlock>
        {
            new ChatBlock.Facts(
            [
                new ChatFact("Requested by", Code(request.User.Display)),
                new ChatFact("Reason", Code(revision.Reason)),
                new ChatFact("State", $"PendingApproval — {ApprovalMessages.Needs(approval)}"),
                new ChatFact("Risk", Code(change.Risk.Risk.ToString().ToLowerInvariant())),
            ]),
        };
        ChatReplies.AddRiskReasons(blocks, change.Risk);
        if (change.Warnings.Count > 0)
            blocks.Add(new ChatBlock.Bullets(change.Warnings.Select(w => $"⚠️ `{w.Code}` {w.Message}").ToList()));
        blocks.Add(new ChatBlock.Decision(cluster.Id, revision.Number, string.Format(CultureInfo.InvariantCulture, DecideFormat, cluster.Id, revision.Number)));
        return new ChatReply(ChatVisibility.Channel, ChatTone.Warning, $"Revision {revision.Number} of `{cluster.Id}` waits for approval: {changes}", blocks);
    }

    public static ChatReply Decided(ManagedCluster cluster, ApprovalOutcome outcome) => outcome switch
    {
        ApprovalOutcome.Recorded done when done.WentAhead => new ChatReply(ChatVisibility.Channel, ChatTone.Success, done.Message,
            [new ChatBlock.Note($"Follow it with `status {cluster.Id}`.")])
        {
            Tracking = new TrackedRevision(cluster.Id, done.Revision.Number),
        },
        ApprovalOutcome.Recorded done => new ChatReply(ChatVisibility.Channel, ChatTone.Info, done.Message, []),
        ApprovalOutcome.NoSuchRevision missing => ChatReplies.NoSuchRevision(cluster, missing.Number, missing.CurrentRevision),
        ApprovalOutcome.NotPending other => Refused(ApprovalMessages.NotPending(other.Number, other.State.ToString())),
        ApprovalOutcome.Expired expired => Refused(ApprovalMessages.Expired(expired.Number, expired.At)),
        ApprovalOutcome.Stale stale => Refused(ApprovalMessages.Stale(stale.Number, stale.RequestedOn, stale.CurrentRevision)),
        ApprovalOutcome.ByAuthor author => Refused(ApprovalMessages.ByAuthor(author.Number, author.Author)),
        ApprovalOutcome.NotAnApprover role => Refused(ApprovalMessages.Role(role.Number, role.Approvers)),
        ApprovalOutcome.Invalid invalid => ChatReplies.Refused(cluster, invalid.Validation),
        ApprovalOutcome.Blocked blocked => ChatReplies.Blocked(cluster, blocked.Hold),
        _ => ChatReplies.Failed($"Unexpected outcome {outcome.GetType().Name}; nothing was decided."),
    };

    private static ChatReply Refused(string detail) => new(ChatVisibility.OnlyYou, ChatTone.Failure, "Not decided", [new ChatBlock.Paragraph(detail)]);
}
