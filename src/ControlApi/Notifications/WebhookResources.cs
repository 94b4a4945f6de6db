using System.Text.Json;
using ControlApi.Data.Entities;

namespace ControlApi.Notifications;

/// <summary>
/// Create or replace a webhook. <see cref="Secret"/> is write-only: required when creating, kept
/// as it is when omitted on replace, never returned.
/// </summary>
public sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret, string? Description);

/// <summary>A webhook as the API shows it: everything but the secret.</summary>
public sealed record WebhookResource(long Id, string Url, IReadOnlyList<string> Events, string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WebhookResource From(Webhook webhook) => new(
        webhook.Id, webhook.Url, DeliveryOutbox.Patterns(webhook.EventsJson), webhook.Description, webhook.CreatedAt, webhook.UpdatedAt);
}

public sealed record WebhookList(IReadOnlyList<WebhookResource> Items);

/// <summary>One event's delivery to one webhook, with every try.</summary>
public sealed record DeliveryResource(
    string DeliveryId,
    long EventId,
    string EventKind,
    string State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<DeliveryTryResource> Tries)
{
    public static DeliveryResource From(NotificationDelivery d) => new(
        d.DeliveryId, d.AuditEventId, d.EventKind, d.State, d.Attempts, d.CreatedAt,
        d.State == DeliveryStates.Pending ? d.NextAttemptAt : null, d.CompletedAt,
        d.Tries.OrderBy(t => t.Number).Select(t => new DeliveryTryResource(t.Number, t.At, t.StatusCode, t.Error, t.DurationMs)).ToList());
}

/// <summary>One try: when it started, the receiver's status code or what went wrong, and how long it took.</summary>
public sealed record DeliveryTryResource(int Number, DateTimeOffset Time, int? StatusCode, string? Error, double DurationMs);

/// <summary>A page of deliveries, newest first; <c>next</c> is an opaque cursor or null at the end.</summary>
public sealed record DeliveryPage(IReadOnlyList<DeliveryResource> Items, string? Next);

/// <summary>Checks a <see cref="WebhookRequest"/>; each error names the member as a JSON pointer.</summary>
public static class WebhookRequests
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxEvents = 50;
    public const int MaxDescriptionLength = 500;

    public static (string? Pointer, string? Error) Check(WebhookRequest request, bool creating)
    {
        if (!WebhookUrls.IsValid(request.Url, out var urlError)) return ("/url", urlError);
        if (request.Events is not { Count: > 0 and <= MaxEvents } events)
            return ("/events", $"events must list 1 to {MaxEvents} event kinds (git.committed), prefixes ending with '.' (flux.) or *.");
        for (var i = 0; i < events.Count; i++)
        {
            if (!EventPatterns.IsValid(events[i]))
                return ($"/events/{i}", $"'{events[i]}' is not an event kind (git.committed), a prefix ending with '.' (flux.) or *.");
        }
        if (request.Secret is null)
        {
            if (creating) return ("/secret", $"secret is required: {MinSecretLength} to {MaxSecretLength} characters, used to sign every delivery.");
        }
        else if (request.Secret.Length is < MinSecretLength or > MaxSecretLength || request.Secret.Any(char.IsControl))
        {
            // The message never quotes the secret.
            return ("/secret", $"secret must be {MinSecretLength} to {MaxSecretLength} printable characters.");
        }
        if (request.Description is { Length: > MaxDescriptionLength })
            return ("/description", $"description is longer than {MaxDescriptionLength} characters.");
        return (null, null);
    }

    public static string EventsJson(IReadOnlyList<string> events) => JsonSerializer.Serialize(events.Distinct(StringComparer.Ordinal).ToList());
}
