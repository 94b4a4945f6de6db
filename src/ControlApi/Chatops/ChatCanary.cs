using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Revisions;
using static ControlApi.Chatops.ChatMessages;

namespace ControlApi.Chatops;

/// <summary>What chat says about canaries: the status line, the promotion, and the follow-ups while a canary runs.</summary>
public static class ChatCanary
{
    /// <summary>The canary part of <c>status</c>: which nodes, and whether it is verified or promoted.</summary>
    public static string Describe(RevisionResource revision)
    {
        var canary = revision.Canary!;
        var nodes = canary.Nodes.Count == 0 ? "" : $" ({string.Join(", ", canary.Nodes.Take(10))}{(canary.Nodes.Count > 10 ? " …" : "")})";
        var keys = string.Join(", ", canary.Keys.Select(k => $"{k.Key}={k.Value}"));
        if (canary.PromotedAt is not null) return $"promoted to every node by {Code(canary.PromotedBy, 80)}; it tried {keys} on {Code(canary.NodeSelector)}{nodes} first";
        return revision.State switch
        {
            RevisionState.CanaryVerified => $"verified on {Code(canary.NodeSelector)}{nodes} with {keys}; the other nodes run the revision before. `promote {revision.Number} {revision.Cluster}` rolls it out everywhere",
            RevisionState.Canary or RevisionState.Committed or RevisionState.Accepted => $"trying {keys} on {Code(canary.NodeSelector)}{nodes}; not verified yet",
            _ => $"{revision.State} on {Code(canary.NodeSelector)}{nodes}: nothing was promoted",
        };
    }

    public static ChatReply Promoted(ManagedCluster cluster, int revision, string nodeSelector, ChatRequest request) => new(
        ChatVisibility.Channel, ChatTone.Info, $"Promoting the canary of revision {revision} on `{cluster.Id}` to every node",
        [
            new ChatBlock.Paragraph($"Tried on {Code(nodeSelector)}; promoted by {Code(request.User.Display, 80)}. The settings are committed for every node and the CiliumNodeConfig is removed."),
            new ChatBlock.Note("I'll post here as the promotion is committed, rolled out and verified."),
        ])
    { Tracking = new TrackedRevision(cluster.Id, revision) };

    // Follow-ups.

    public static ChatReply Restarting(RevisionResource revision) => new(
        ChatVisibility.Channel, ChatTone.Info, $"Revision {revision.Number} of `{revision.Cluster}`: canary applied",
        [new ChatBlock.Paragraph($"The agents on {Code(revision.Canary?.NodeSelector)} restart with its CiliumNodeConfig and are verified there; no other node is touched.")]);

    public static ChatReply Verified(RevisionResource revision) => new(
        ChatVisibility.Channel, ChatTone.Success, $"Revision {revision.Number} of `{revision.Cluster}`: canary verified",
        [
            new ChatBlock.Paragraph(Describe(revision) + "."),
            new ChatBlock.Note($"`promote {revision.Number} {revision.Cluster}` (operators) rolls it out to every node."),
        ]);
}
