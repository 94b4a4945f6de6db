namespace ControlApi.Data.Entities;

/// <summary>
/// One audit event on its way to one receiver (a webhook or the Slack notifier). Written in the
/// same transaction as the audit event, so an event is never lost between the database and the
/// receiver; the <c>deliver</c> job works it until it succeeds or runs out of attempts.
/// </summary>
public sealed class NotificationDelivery
{
    public long Id { get; set; }

    /// <summary>Sent as <c>X-ControlApi-Delivery</c>; the same on every try so receivers can drop repeats.</summary>
    public required string DeliveryId { get; set; }

    /// <summary><c>webhook</c> or <c>slack</c>.</summary>
    public required string Channel { get; set; }

    /// <summary>The subscription for <c>webhook</c> deliveries; null for the Slack notifier.</summary>
    public long? WebhookId { get; set; }

    /// <summary>The audit event delivered (no foreign key: the audit table is append-only and checked on its own).</summary>
    public long AuditEventId { get; set; }
    public required string EventKind { get; set; }

    /// <summary>The event as delivered, fixed when the event was written so every try signs the same bytes.</summary>
    public required string PayloadJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary><c>Pending</c>, <c>Succeeded</c> or <c>Failed</c>.</summary>
    public required string State { get; set; }

    public int Attempts { get; set; }

    /// <summary>When the next try is due.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>While a try runs: until when it holds the delivery (a job that died frees it then).</summary>
    public DateTimeOffset? LeasedUntil { get; set; }

    /// <summary>A job for the next try has been handed to Hangfire.</summary>
    public bool Dispatched { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public List<DeliveryAttempt> Tries { get; set; } = [];
}

/// <summary>One try of a delivery: when, what the receiver answered (or what went wrong) and how long it took.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public long NotificationDeliveryId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public double DurationMs { get; set; }
}
