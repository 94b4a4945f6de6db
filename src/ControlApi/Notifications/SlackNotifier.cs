using System.Text.Json;
using ControlApi.Core.Settings;
using ControlApi.Revisions;
using Microsoft.Extensions.Options;

namespace ControlApi.Notifications;

/// <summary>
/// The Slack side of a delivery: where to post (the URL, read from its file at every delivery so a
/// rotated secret needs no restart) and the message, enriched with what the revision knows now.
/// </summary>
public sealed class SlackNotifier(RevisionReader revisions, IOptions<NotificationOptions> options, ILogger<SlackNotifier> logger)
{
    public async Task<string?> WebhookUrlAsync(CancellationToken cancellationToken)
    {
        var slack = options.Value.Slack;
        if (!string.IsNullOrWhiteSpace(slack.WebhookUrl)) return slack.WebhookUrl.Trim();
        if (string.IsNullOrWhiteSpace(slack.WebhookUrlFile)) return null;
        try
        {
            var url = (await File.ReadAllTextAsync(slack.WebhookUrlFile, cancellationToken)).Trim();
            return WebhookUrls.IsValid(url, out _) ? url : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot read {Key}: {Error}", $"{NotificationOptions.SectionName}:Slack:WebhookUrlFile", ex.GetType().Name);
            return null;
        }
    }

    public async Task<string> BuildMessageAsync(string payloadJson, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Deserialize<EventPayload>(payloadJson, EventPayload.Json)
            ?? throw new InvalidOperationException("A stored delivery payload is empty.");
        var context = await ContextAsync(payload, cancellationToken);
        return SlackMessage.Build(payload, context).ToJsonString();
    }

    private async Task<RevisionContext> ContextAsync(EventPayload payload, CancellationToken cancellationToken)
    {
        if (payload.Cluster is not { } cluster || payload.Revision is not { } number || number < 1) return new RevisionContext();
        var revision = await revisions.FindAsync(cluster, number, cancellationToken);
        if (revision is null) return new RevisionContext();
        var previous = await revisions.FindAsync(cluster, number - 1, cancellationToken);
        var link = options.Value.Slack.LinkBaseUrl is { Length: > 0 } root
            ? root.TrimEnd('/') + RevisionLinks.Revision(cluster, number)
            : null;
        return new RevisionContext(
            previous is null ? null : SettingsChanges.Describe(previous.Settings, revision.Settings),
            revision.CommitSha,
            revision.SecondsToVerified,
            revision.Author,
            revision.OnBehalfOf,
            revision.Reason,
            link);
    }
}
