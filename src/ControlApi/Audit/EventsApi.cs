using System.Globalization;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ControlApi.Audit;

/// <summary>The audit history live: <c>GET /events</c> as Server-Sent Events, resumable with Last-Event-ID.</summary>
public static class EventsApi
{
    public const string LastEventIdHeader = "Last-Event-ID";

    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/events", StreamEvents)
            .WithTags("Audit")
            .WithName("StreamAuditEvents")
            .WithDescription("id = the audit event id, event = its kind, data = the event as GET /api/v1/audit shows it. Filters: cluster, kind (exact, or a prefix ending with '.'), revision and person. Resume without loss or repeats with the Last-Event-ID header (or ?lastEventId=); without one the stream starts with the next event. ': keep-alive' comments keep an idle connection open. A key may hold a bounded number of streams (429 with Retry-After beyond).")
            .WithSummary("Audit events as they happen (Server-Sent Events), resumable with Last-Event-ID.")
            .Produces<AuditEventResource>(StatusCodes.Status200OK, AuditEventStream.MediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            // Reading the history changes nothing (SPEC §8).
            .RequireRole(Role.Viewer);
        return api;
    }

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> StreamEvents(
        HttpContext context, AuditReader reader, AuditEventStream stream, EventStreamSlots slots,
        IOptions<EventStreamOptions> options, IOptions<JsonOptions> json, CancellationToken cancellationToken,
        string? cluster = null, string? kind = null, string? revision = null, string? person = null,
        [Microsoft.AspNetCore.Mvc.FromHeader(Name = LastEventIdHeader)] string? lastEventIdHeader = null, string? lastEventId = null)
    {
        var (filter, parameter, error) = new AuditFilterQuery(cluster, kind, revision, null, null, null, person).Parse();
        if (filter is null) return Problems.Create(StatusCodes.Status400BadRequest, "invalid-audit-filter", "Invalid audit filter", error!, new() { ["parameter"] = parameter });

        // The header is what EventSource sends on reconnect; the query parameter serves clients that cannot set headers.
        var resume = string.IsNullOrWhiteSpace(lastEventIdHeader) ? lastEventId : lastEventIdHeader;
        long after;
        if (string.IsNullOrWhiteSpace(resume)) after = await reader.LastIdAsync(cancellationToken);
        else if (!long.TryParse(resume.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out after))
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid-last-event-id", "Invalid Last-Event-ID",
                $"Last-Event-ID '{(resume.Length > 40 ? resume[..40] + "…" : resume)}' is not an event id this stream sent; send the id of the last event you received, or 0 for the whole history.",
                new() { ["parameter"] = "lastEventId" });

        var max = Math.Max(1, options.Value.MaxStreamsPerKey);
        var key = Caller.Name(context);
        var slot = slots.TryTake(key, max);
        if (slot is null)
        {
            context.Response.Headers.RetryAfter = "30";
            return Problems.Create(StatusCodes.Status429TooManyRequests, "too-many-streams", "Too many event streams",
                $"API key '{key}' already has {max} event streams open, the most one key may hold (ControlApi:Events:MaxStreamsPerKey). "
                + "Close a stream you no longer read, or filter one stream by cluster or kind instead of opening several.",
                new() { ["openStreams"] = max });
        }

        // Also released with the response, should the stream callback never run (the caller left first).
        context.Response.RegisterForDispose(slot);
        context.Response.Headers.CacheControl = "no-cache";
        // Reverse proxies (nginx) would otherwise buffer the stream and deliver events late.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var serializer = json.Value.SerializerOptions;
        return TypedResults.Stream(async body =>
        {
            using (slot) await stream.WriteAsync(body, filter, after, serializer, cancellationToken);
        }, AuditEventStream.MediaType);
    }
}
