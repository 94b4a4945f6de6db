using Hangfire;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>Starts and re-schedules the follow-up job that tells a channel how its change went.</summary>
public sealed class ChatFollowUps(IBackgroundJobClient jobs, IOptions<ChatopsOptions> options, TimeProvider time, ILogger<ChatFollowUps> logger)
{
    /// <summary>
    /// Follows <paramref name="revision"/> and posts its milestones to <paramref name="responseUrl"/>,
    /// when that URL is one the platform's policy allows. Never throws: the change is already stored,
    /// a missing follow-up only means the channel is not told.
    /// </summary>
    public bool Start(string platform, string? responseUrl, TrackedRevision revision)
    {
        var value = options.Value;
        if (string.IsNullOrEmpty(responseUrl)) return false;
        if (!ResponseUrlPolicy.IsAllowed(responseUrl, ResponseUrlPolicy.HostsFor(platform, value)))
        {
            // The host only: the whole URL is a credential for posting into the channel.
            logger.LogWarning("Not following {Cluster}/{Revision} in {Platform}: response_url host {Host} is not allowed",
                revision.Cluster, revision.Revision, platform, Uri.TryCreate(responseUrl, UriKind.Absolute, out var uri) ? uri.Host : "(not a URL)");
            return false;
        }

        var now = time.GetUtcNow();
        return Schedule(new ChatFollowUp(platform, responseUrl, revision.Cluster, revision.Revision, now, now + value.FollowUp.Deadline));
    }

    public bool Schedule(ChatFollowUp followUp)
    {
        try
        {
            jobs.Schedule<ChatFollowUpJob>(job => job.RunAsync(followUp, CancellationToken.None), options.Value.FollowUp.DelayAfter(followUp.Checks));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not schedule the chat follow-up of {Cluster}/{Revision}", followUp.Cluster, followUp.Revision);
            return false;
        }
    }
}
