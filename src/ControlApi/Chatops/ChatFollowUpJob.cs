using ControlApi.Configuration;
using ControlApi.Revisions;
using ControlApi.Tracking;
using Hangfire;

namespace ControlApi.Chatops;

/// <summary>
/// The Hangfire follow-up job: looks at a revision once, posts news to the chat's response_url, and
/// schedules its next look (backing off) until the revision ends, the post budget is spent or the
/// deadline passes. It never waits inside a worker.
/// Precondition: the revision exists and the response_url passed <see cref="ResponseUrlPolicy"/>.
/// </summary>
public sealed class ChatFollowUpJob(
    ClusterCatalog clusters,
    RevisionReader revisions,
    ILiveStatusSource live,
    ResponseUrlClient responses,
    ChatFollowUps followUps,
    AutoRollback autoRollback,
    TimeProvider time,
    ILogger<ChatFollowUpJob> logger)
{
    [AutomaticRetry(Attempts = 0)] // Each run schedules the next; a Hangfire retry would double the chain.
    public async Task RunAsync(ChatFollowUp followUp, CancellationToken cancellationToken)
    {
        if (clusters.Find(followUp.Cluster) is not { } cluster
            || await revisions.FindAsync(cluster.Id, followUp.Revision, cancellationToken) is not { } revision)
        {
            logger.LogWarning("Chat follow-up of {Cluster}/{Revision} dropped: no such revision", followUp.Cluster, followUp.Revision);
            return;
        }

        var now = time.GetUtcNow();
        var rollback = RollbackNews.None;
        if (revision.State is { } state && autoRollback.Answers(cluster, state, revision.Source))
            rollback = new RollbackNews(true, await autoRollback.FindAsync(cluster.Id, revision.Number, cancellationToken));
        var step = FollowUpDecision.Decide(followUp, revision, await live.DescribeAsync(cluster, cancellationToken), now, rollback);
        var next = followUp with { Checks = followUp.Checks + 1, RollbackLooks = followUp.RollbackLooks + (step.AwaitingRollback ? 1 : 0) };
        var finished = step.Finished;
        if (step.Post is { } post)
        {
            if (await responses.PostAsync(followUp.Platform, followUp.ResponseUrl, post, cancellationToken))
                next = next with { Reported = revision.State, Posts = followUp.Posts + 1 };
            else
                finished = now >= followUp.Deadline; // try the same news again at the next look
        }

        if (!finished) followUps.Schedule(next);
        else if (step.FollowNext is { } rollbackRevision && next.Posts > followUp.Posts)
            // The same response_url and its post budget: the channel hears how the rollback ends.
            followUps.Schedule(next with { Revision = rollbackRevision, Reported = null, Checks = 0, RollbackLooks = 0, EndOnly = true });
    }
}
