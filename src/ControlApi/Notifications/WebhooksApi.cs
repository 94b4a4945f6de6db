using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ControlApi.Core.Settings;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Notifications;

/// <summary>Webhook subscriptions (SPEC §7): audit events pushed to other systems, signed, retried, logged.</summary>
public static class WebhooksApi
{
    public const int MaxRequestBytes = 16 * 1024;
    public const int MaxPageSize = 200;

    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        // A webhook receives every matching event, so only admins manage them (SPEC §8).
        var group = api.MapGroup("/webhooks").WithTags("Webhooks").RequireRole(Role.Admin);
        // Ids are bound as long but constrained like every other numeric route segment (:int).

        group.MapGet("", ListWebhooks)
            .WithName("ListWebhooks")
            .WithDescription("Each subscription's id, URL, event patterns and description. Secrets are write-only.")
            .WithSummary("Every webhook subscription (secrets are never shown).");

        group.MapPost("", CreateWebhook)
            .WithName("CreateWebhook")
            .WithDescription("Events are exact kinds (git.committed) or prefixes ending with '.' (flux.), or '*' for all. Each delivery is a POST of the audit event, signed with the secret as X-ControlApi-Signature: sha256=<hex HMAC of the body>, retried with backoff. 201 with Location.")
            .WithSummary("Subscribe a URL to audit events.")
            .Accepts<WebhookRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("/{webhookId:int}", GetWebhook)
            .WithName("GetWebhook")
            .WithDescription("The subscription's URL, event patterns and description; never its secret.")
            .WithSummary("One webhook subscription.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{webhookId:int}", ReplaceWebhook)
            .WithName("ReplaceWebhook")
            .WithDescription("Replaces URL, events and description. Send 'secret' only to rotate it; without one the current secret keeps signing.")
            .WithSummary("Replace a webhook's URL, events and description; the secret stays unless a new one is sent.")
            .Accepts<WebhookRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapDelete("/{webhookId:int}", DeleteWebhook)
            .WithName("DeleteWebhook")
            .WithDescription("The subscription and its delivery log are removed; deliveries not yet made are dropped. 204 with no body.")
            .WithSummary("Remove a webhook and its delivery log; pending deliveries are dropped.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{webhookId:int}/deliveries", ListDeliveries)
            .WithName("ListWebhookDeliveries")
            .WithDescription("Newest first, 'limit' per page (pass 'next' as 'cursor'). Each delivery lists every try: when, the receiver's status code or the error, and how long it took.")
            .WithSummary("A webhook's delivery log, newest first.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    public static async Task<Ok<WebhookList>> ListWebhooks(ControlApiDbContext db, CancellationToken cancellationToken)
    {
        var webhooks = await db.Webhooks.AsNoTracking().OrderBy(w => w.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(new WebhookList(webhooks.Select(WebhookResource.From).ToList()));
    }

    public static async Task<Results<Created<WebhookResource>, ProblemHttpResult>> CreateWebhook(
        HttpContext context, ControlApiDbContext db, WebhookSecrets secrets, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync(context, creating: true, cancellationToken);
        if (request is null) return problem!;
        var now = time.GetUtcNow();
        var webhook = new Webhook
        {
            Url = request.Url!,
            EventsJson = WebhookRequests.EventsJson(request.Events!),
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            ProtectedSecret = secrets.Protect(request.Secret!),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Webhooks.Add(webhook);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(Link(webhook.Id), WebhookResource.From(webhook));
    }

    public static async Task<Results<Ok<WebhookResource>, ProblemHttpResult>> GetWebhook(long webhookId, ControlApiDbContext db, CancellationToken cancellationToken) =>
        await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == webhookId, cancellationToken) is { } webhook
            ? TypedResults.Ok(WebhookResource.From(webhook))
            : NotFound(webhookId);

    public static async Task<Results<Ok<WebhookResource>, ProblemHttpResult>> ReplaceWebhook(
        long webhookId, HttpContext context, ControlApiDbContext db, WebhookSecrets secrets, TimeProvider time, CancellationToken cancellationToken)
    {
        var webhook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == webhookId, cancellationToken);
        if (webhook is null) return NotFound(webhookId);
        var (request, problem) = await ReadAsync(context, creating: false, cancellationToken);
        if (request is null) return problem!;
        webhook.Url = request.Url!;
        webhook.EventsJson = WebhookRequests.EventsJson(request.Events!);
        webhook.Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        if (request.Secret is not null) webhook.ProtectedSecret = secrets.Protect(request.Secret);
        webhook.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(WebhookResource.From(webhook));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(long webhookId, ControlApiDbContext db, CancellationToken cancellationToken)
    {
        var webhook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == webhookId, cancellationToken);
        if (webhook is null) return NotFound(webhookId);
        db.Webhooks.Remove(webhook);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<DeliveryPage>, ProblemHttpResult>> ListDeliveries(
        long webhookId, ControlApiDbContext db, CancellationToken cancellationToken, int? limit = null, string? cursor = null)
    {
        if (!await db.Webhooks.AnyAsync(w => w.Id == webhookId, cancellationToken)) return NotFound(webhookId);
        var size = limit ?? 50;
        if (size is < 1 or > MaxPageSize)
            return Problems.BadRequest("invalid-limit", "Invalid page size", $"limit must be between 1 and {MaxPageSize}.");
        if (!TryDecodeCursor(cursor, out var before))
            return Problems.BadRequest("invalid-cursor", "Invalid cursor", "The cursor is not one this API returned; start again without a cursor.");

        var query = db.NotificationDeliveries.AsNoTracking().Include(d => d.Tries).Where(d => d.WebhookId == webhookId);
        if (before is { } b) query = query.Where(d => d.Id < b);
        var rows = await query.OrderByDescending(d => d.Id).Take(size + 1).AsSplitQuery().ToListAsync(cancellationToken);
        var items = rows.Take(size).ToList();
        var next = rows.Count > size ? EncodeCursor(items[^1].Id) : null;
        return TypedResults.Ok(new DeliveryPage(items.Select(DeliveryResource.From).ToList(), next));
    }

    private static async Task<(WebhookRequest? Request, ProblemHttpResult? Problem)> ReadAsync(HttpContext context, bool creating, CancellationToken cancellationToken)
    {
        if (!RequestBody.HasMediaType(context.Request, "application/json"))
            return (null, Problems.UnsupportedMediaType(context.Request.ContentType, "application/json with url, events and secret"));
        byte[] body;
        try
        {
            body = await RequestBody.ReadAsync(context.Request, MaxRequestBytes, cancellationToken);
        }
        catch (RequestBody.TooLargeException ex)
        {
            return (null, Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "Request body too large",
                $"A webhook is described in far less than {ex.Limit} bytes."));
        }

        WebhookRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<WebhookRequest>(body, RequestJson);
        }
        catch (JsonException ex)
        {
            // The reader's message may quote the body, and the body may hold the secret: name only the place.
            return (null, Problems.BadRequest("malformed-webhook", "The webhook could not be read",
                $"The body is not a webhook object (url, events, secret, description); the problem is at {ex.Path ?? "$"}.", SettingsJson.ToPointer(ex.Path)));
        }
        if (request is null) return (null, Problems.BadRequest("malformed-webhook", "The webhook could not be read", "Send a JSON object with url, events and secret."));
        var (pointer, error) = WebhookRequests.Check(request, creating);
        return error is null ? (request, null) : (null, Problems.BadRequest("invalid-webhook", "Invalid webhook", error, pointer));
    }

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private static string Link(long id) => $"/api/v1/webhooks/{id.ToString(CultureInfo.InvariantCulture)}";

    private static ProblemHttpResult NotFound(long id) => Problems.Create(StatusCodes.Status404NotFound, "webhook-not-found", "Unknown webhook",
        $"There is no webhook {id}. GET /api/v1/webhooks lists them.");

    private static string EncodeCursor(long id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("d:" + id.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecodeCursor(string? cursor, out long? before)
    {
        before = null;
        if (string.IsNullOrEmpty(cursor)) return true;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith("d:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                before = id;
                return true;
            }
        }
        catch (FormatException)
        {
            // Not base64url: the caller is told the cursor is bad.
        }
        return false;
    }
}
