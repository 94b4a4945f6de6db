using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ControlApi.Telemetry;

namespace ControlApi.Notifications;

/// <summary>
/// The Hangfire <c>deliver</c> job: one try of one delivery.
/// Precondition: the delivery row exists (written with its audit event) and was handed over by
/// <see cref="DeliveryDispatcher"/> or by the previous try.
/// It claims the try (so a duplicate job does nothing), POSTs outside any database turn, then
/// records the try: success ends the delivery; a failure schedules the next try with back-off, and
/// after the last one writes <c>webhook.failed</c> — except for deliveries of <c>webhook.failed</c>
/// itself, so failures can never feed each other.
/// </summary>
public sealed class DeliverJob(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    WebhookSecrets secrets,
    SlackNotifier slack,
    IHttpClientFactory http,
    IBackgroundJobClient jobs,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<DeliverJob> logger)
{
    /// <summary>Deliveries have their own Hangfire queue and workers: a slow receiver never delays a commit.</summary>
    public const string Queue = "notifications";

    public const string HttpClientName = "notifications";
    public const string UserAgent = "ControlApi-Webhooks/1";

    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0)] // Retries are the delivery's own: back-off, attempt log, webhook.failed.
    public async Task RunAsync(long deliveryId, CancellationToken cancellationToken)
    {
        using var activity = ControlApiActivities.StartJob("deliver", null);
        activity?.SetTag("controlapi.delivery", deliveryId);
        if (await ClaimAsync(deliveryId, cancellationToken) is not { } delivery) return;
        var (request, problem) = await PrepareAsync(delivery, cancellationToken);
        var result = request is null ? new TryResult(null, problem, TimeSpan.Zero) : await SendAsync(request, cancellationToken);
        await RecordAsync(delivery.Id, result, cancellationToken);
    }

    /// <summary>
    /// A request that cannot even be prepared (a key ring that lost the secret's key, an unreadable
    /// payload) is a failed try like any other: counted, logged, and in the end reported.
    /// </summary>
    private async Task<(OutgoingRequest? Request, string? Problem)> PrepareAsync(NotificationDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            return await BuildRequestAsync(delivery, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Delivery {Delivery} of {Kind} ({Channel}) could not be prepared", delivery.DeliveryId, delivery.EventKind, delivery.Channel);
            return (null, $"ControlApi could not prepare the request ({ex.GetType().Name}).");
        }
    }

    /// <summary>Schedules the delivery's try so it never starts before it is due (<see cref="Jobs.ScheduleTimes.NotBefore"/>).</summary>
    public static void ScheduleTry(IBackgroundJobClient jobs, long deliveryId, DateTimeOffset due) =>
        jobs.Schedule<DeliverJob>(job => job.RunAsync(deliveryId, CancellationToken.None), Jobs.ScheduleTimes.NotBefore(due));

    /// <summary>
    /// Takes the try if it is due and nobody holds it: the lease keeps a duplicate job (after a
    /// sweep) from sending it twice. A job that arrives early goes back to wait for the due time.
    /// </summary>
    private async Task<NotificationDelivery?> ClaimAsync(long deliveryId, CancellationToken cancellationToken)
    {
        DateTimeOffset? early = null;
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            var delivery = await db.NotificationDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
            var now = time.GetUtcNow();
            if (delivery is null || delivery.State != DeliveryStates.Pending || delivery.LeasedUntil > now) return null;
            if (delivery.NextAttemptAt <= now)
            {
                delivery.LeasedUntil = now + options.Value.Lease;
                await db.SaveChangesAsync(cancellationToken);
                await turn.CommitAsync(cancellationToken);
                return delivery;
            }
            early = delivery.NextAttemptAt;
        }
        ScheduleTry(jobs, deliveryId, early.Value);
        return null;
    }

    private async Task<(OutgoingRequest? Request, string? Problem)> BuildRequestAsync(NotificationDelivery delivery, CancellationToken cancellationToken)
    {
        var headers = new List<(string, string)>
        {
            (WebhookSignature.EventHeader, delivery.EventKind),
            (WebhookSignature.DeliveryHeader, delivery.DeliveryId),
        };
        if (delivery.Channel == DeliveryChannels.Slack)
        {
            if (await slack.WebhookUrlAsync(cancellationToken) is not { } url)
                return (null, "The Slack incoming-webhook URL is not configured or its file cannot be read.");
            var message = await slack.BuildMessageAsync(delivery.PayloadJson, cancellationToken);
            return (new OutgoingRequest(url, Encoding.UTF8.GetBytes(message), headers), null);
        }

        var webhook = await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == delivery.WebhookId, cancellationToken);
        if (webhook is null) return (null, "The webhook no longer exists.");
        var body = Encoding.UTF8.GetBytes(delivery.PayloadJson);
        headers.Add((WebhookSignature.SignatureHeader, WebhookSignature.Sign(secrets.Unprotect(webhook.ProtectedSecret), body)));
        return (new OutgoingRequest(webhook.Url, body, headers), null);
    }

    private async Task<TryResult> SendAsync(OutgoingRequest outgoing, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, outgoing.Url) { Content = new ByteArrayContent(outgoing.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.UserAgent.ParseAdd(UserAgent);
            foreach (var (name, value) in outgoing.Headers) request.Headers.TryAddWithoutValidation(name, value);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return new TryResult(status, response.IsSuccessStatusCode ? null : $"HTTP {status}", time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TryResult(null, $"No answer within {options.Value.RequestTimeout.TotalSeconds:0.###} s.", time.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            // Described by kind, not by message: messages can quote the URL, and receiver URLs may hold tokens.
            var socket = ex.InnerException is SocketException s ? $" ({s.SocketErrorCode})" : "";
            return new TryResult(null, $"Request failed: {ex.HttpRequestError}{socket}.", time.GetElapsedTime(started));
        }
    }

    private async Task RecordAsync(long deliveryId, TryResult result, CancellationToken cancellationToken)
    {
        DateTimeOffset? retryAt = null;
        NotificationDelivery? delivery;
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            delivery = await db.NotificationDeliveries.Include(d => d.Tries).FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
            if (delivery is null) return; // The webhook was deleted meanwhile, and its log with it.
            var now = time.GetUtcNow();
            delivery.LeasedUntil = null;
            delivery.Attempts++;
            delivery.Tries.Add(new DeliveryAttempt
            {
                Number = delivery.Attempts,
                At = now - result.Duration,
                StatusCode = result.StatusCode,
                Error = result.Error,
                DurationMs = Math.Round(result.Duration.TotalMilliseconds, 1),
            });

            if (result.Error is null)
            {
                delivery.State = DeliveryStates.Succeeded;
                delivery.CompletedAt = now;
            }
            else if (delivery.Attempts >= options.Value.MaxAttempts)
            {
                delivery.State = DeliveryStates.Failed;
                delivery.CompletedAt = now;
                await AuditFailureAsync(delivery, result.Error, cancellationToken);
            }
            else
            {
                retryAt = now + options.Value.RetryDelay(delivery.Attempts);
                delivery.NextAttemptAt = retryAt.Value;
            }
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }

        if (retryAt is { } due)
        {
            logger.LogInformation("Delivery {Delivery} of {Kind} ({Channel}) failed on try {Attempt}: {Error}; next try at {RetryAt}",
                delivery.DeliveryId, delivery.EventKind, delivery.Channel, delivery.Attempts, result.Error, due);
            ScheduleTry(jobs, deliveryId, due);
        }
    }

    private async Task AuditFailureAsync(NotificationDelivery delivery, string lastError, CancellationToken cancellationToken)
    {
        var host = delivery.WebhookId is { } id
            ? WebhookUrls.HostOf(await db.Webhooks.Where(w => w.Id == id).Select(w => w.Url).FirstOrDefaultAsync(cancellationToken) ?? "")
            : null;
        var receiver = delivery.Channel == DeliveryChannels.Slack ? "the Slack notifier" : $"webhook {delivery.WebhookId} ({host})";
        if (delivery.EventKind == AuditKinds.WebhookFailed)
        {
            // Reporting this failure as an event would be delivered, could fail, and be reported again.
            logger.LogWarning("Delivery {Delivery} of a webhook.failed event to {Receiver} failed after {Attempts} tries: {Error}; not reported again",
                delivery.DeliveryId, receiver, delivery.Attempts, lastError);
            return;
        }

        var payload = JsonSerializer.Deserialize<EventPayload>(delivery.PayloadJson, EventPayload.Json);
        await audit.AppendAsync(db, new AuditEntry(
            AuditKinds.WebhookFailed, payload?.Cluster, payload?.Revision, AuditSources.System, AuditSources.System,
            $"{delivery.EventKind} event {delivery.AuditEventId} not delivered to {receiver} after {delivery.Attempts} tries: {lastError}",
            new WebhookFailure(delivery.Channel, delivery.WebhookId, host, delivery.DeliveryId, delivery.AuditEventId, delivery.EventKind, delivery.Attempts, lastError)),
            cancellationToken);
    }

    private sealed record OutgoingRequest(string Url, byte[] Body, IReadOnlyList<(string Name, string Value)> Headers);

    private sealed record TryResult(int? StatusCode, string? Error, TimeSpan Duration);
}
