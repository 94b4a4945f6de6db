namespace ControlApi.Data.Entities;

/// <summary>
/// A subscription: audit events whose kind matches <see cref="EventsJson"/> are POSTed to
/// <see cref="Url"/>, signed with the secret. The secret is stored encrypted (Data Protection),
/// never in the clear, and never leaves the service.
/// </summary>
public sealed class Webhook
{
    public long Id { get; set; }
    public required string Url { get; set; }

    /// <summary>JSON array of kinds (<c>git.committed</c>), prefixes ending in a dot (<c>flux.</c>) or <c>*</c>.</summary>
    public required string EventsJson { get; set; }

    public string? Description { get; set; }

    /// <summary>The signing secret, protected with the service's Data Protection key ring.</summary>
    public required string ProtectedSecret { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<NotificationDelivery> Deliveries { get; set; } = [];
}
