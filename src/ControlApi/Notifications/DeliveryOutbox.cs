using System.Text.Json;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Notifications;

public static class DeliveryChannels
{
    public const string Webhook = "webhook";
    public const string Slack = "slack";
}

public static class DeliveryStates
{
    public const string Pending = "Pending";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
}

/// <summary>The JSON body of a webhook delivery (SPEC §7).</summary>
public sealed record EventPayload(
    long Id, string Kind, string? Cluster, int? Revision, DateTimeOffset Time, string Actor, string Summary, JsonElement Details)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EventPayload From(AuditEvent e) =>
        new(e.Id, e.Kind, e.ClusterId, e.Revision, e.Time, e.Actor, e.Summary, AuditEventResource.ParseDetails(e.DetailsJson));
}

/// <summary>
/// Queues a delivery for every receiver that wants an audit event, in the audit event's own
/// transaction (the outbox pattern): if the event is stored, so are its deliveries. After the
/// transaction, <see cref="DeliveryDispatcher"/> hands them to the <c>deliver</c> job.
/// </summary>
public sealed class DeliveryOutbox(IOptions<NotificationOptions> options, DeliveryDispatcher dispatcher, TimeProvider time) : IAuditObserver
{
    public async Task OnAppendedAsync(ControlApiDbContext db, AuditEvent appended, CancellationToken cancellationToken)
    {
        var failedReceiver = appended.Kind == AuditKinds.WebhookFailed ? FailedReceiver(appended.DetailsJson) : null;
        string? payload = null;
        var queued = 0;

        var webhooks = await db.Webhooks.AsNoTracking().Select(w => new { w.Id, w.EventsJson }).ToListAsync(cancellationToken);
        foreach (var webhook in webhooks)
        {
            if (!EventPatterns.Matches(Patterns(webhook.EventsJson), appended.Kind)) continue;
            // A receiver that just failed is not told about its own failure; it is not listening.
            if (failedReceiver is { Channel: DeliveryChannels.Webhook } f && f.WebhookId == webhook.Id) continue;
            Queue(db, appended, DeliveryChannels.Webhook, webhook.Id, payload ??= JsonSerializer.Serialize(EventPayload.From(appended), EventPayload.Json));
            queued++;
        }

        var slack = options.Value.Slack;
        if (slack.IsEnabled && EventPatterns.Matches(slack.Events, appended.Kind) && failedReceiver?.Channel != DeliveryChannels.Slack)
        {
            Queue(db, appended, DeliveryChannels.Slack, null, payload ??= JsonSerializer.Serialize(EventPayload.From(appended), EventPayload.Json));
            queued++;
        }

        if (queued > 0) dispatcher.Wake();
    }

    private void Queue(ControlApiDbContext db, AuditEvent appended, string channel, long? webhookId, string payload)
    {
        var now = time.GetUtcNow();
        db.NotificationDeliveries.Add(new NotificationDelivery
        {
            DeliveryId = Guid.CreateVersion7(now).ToString(),
            Channel = channel,
            WebhookId = webhookId,
            AuditEventId = appended.Id,
            EventKind = appended.Kind,
            PayloadJson = payload,
            CreatedAt = now,
            State = DeliveryStates.Pending,
            NextAttemptAt = now,
        });
    }

    internal static IReadOnlyList<string> Patterns(string eventsJson) =>
        JsonSerializer.Deserialize<List<string>>(eventsJson) ?? [];

    private static WebhookFailure? FailedReceiver(string detailsJson)
    {
        try
        {
            return JsonSerializer.Deserialize<WebhookFailure>(detailsJson, EventPayload.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The details of a <c>webhook.failed</c> event.</summary>
public sealed record WebhookFailure(
    string Channel, long? WebhookId, string? Host, string DeliveryId, long EventId, string EventKind, int Attempts, string LastError);
