using System.Text.Json;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ControlApi.Audit;

/// <summary>The hash-chained audit history: filtered pages, an NDJSON export and a chain check.</summary>
public static class AuditApi
{
    public const string NdjsonMediaType = "application/x-ndjson";

    private static readonly ReadOnlyMemory<byte> Newline = "\n"u8.ToArray();

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        // Reading the history changes nothing (SPEC §8).
        var group = api.MapGroup("/audit").WithTags("Audit").RequireRole(Role.Viewer);

        group.MapGet("", ListEvents)
            .WithName("ListAuditEvents")
            .WithDescription("Filters: cluster, kind (exact, or a prefix ending with '.'), revision (with cluster), actor, person (the actor, or the human a bot or chat acted for: X-On-Behalf-Of, the chat user), since (inclusive) and until (exclusive) in RFC 3339. 'limit' 1..500; pass 'next' as 'cursor'.")
            .WithSummary("Audit events newest first, filtered and paged.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/export", Export)
            .WithName("ExportAuditEvents")
            .WithDescription("The same filters as GET /api/v1/audit, without paging: one JSON object a line (application/x-ndjson), newest first, streamed as it is read.")
            .WithSummary("Every matching audit event as NDJSON, streamed.")
            .Produces<AuditEventResource>(StatusCodes.Status200OK, NdjsonMediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/verify", Verify)
            .WithName("VerifyAuditChain")
            .WithDescription("Every audit event carries the hash of the one before; this walks the chain from the first event and answers ok, how many events were checked and, when one does not fit, its id and what is wrong.")
            .WithSummary("Check the audit log's hash chain.");

        return api;
    }

    public static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListEvents(
        [AsParameters] AuditFilterQuery query, AuditReader audit, CancellationToken cancellationToken,
        int? limit = null, string? cursor = null)
    {
        var (filter, parameter, error) = query.Parse();
        if (filter is null) return InvalidFilter(parameter!, error!);
        var size = limit ?? AuditReader.DefaultPageSize;
        if (size is < 1 or > AuditReader.MaxPageSize)
            return Problems.BadRequest("invalid-limit", "Invalid page size", $"limit must be between 1 and {AuditReader.MaxPageSize}.");
        if (!AuditReader.TryDecodeCursor(cursor, out var before))
            return Problems.BadRequest("invalid-cursor", "Invalid cursor", "The cursor is not one this API returned; start again without a cursor.");
        return TypedResults.Ok(await audit.PageAsync(filter, size, before, cancellationToken));
    }

    public static Results<PushStreamHttpResult, ProblemHttpResult> Export(
        [AsParameters] AuditFilterQuery query, AuditReader audit, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (filter, parameter, error) = query.Parse();
        if (filter is null) return InvalidFilter(parameter!, error!);
        var options = json.Value.SerializerOptions;
        return TypedResults.Stream(async body =>
        {
            // One line at a time, flushed, so a reader sees events as they are read and memory stays flat.
            await foreach (var item in audit.ExportAsync(filter, cancellationToken))
            {
                await JsonSerializer.SerializeAsync(body, item, options, cancellationToken);
                await body.WriteAsync(Newline, cancellationToken);
                await body.FlushAsync(cancellationToken);
            }
        }, NdjsonMediaType);
    }

    public static async Task<Ok<AuditVerification>> Verify(AuditChainVerifier verifier, CancellationToken cancellationToken) =>
        TypedResults.Ok(await verifier.VerifyAsync(cancellationToken));

    private static ProblemHttpResult InvalidFilter(string parameter, string error) =>
        Problems.Create(StatusCodes.Status400BadRequest, "invalid-audit-filter", "Invalid audit filter", error, new() { ["parameter"] = parameter });
}
