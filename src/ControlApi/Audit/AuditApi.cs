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
            .WithSummary("Audit events newest first, filtered by cluster, kind (exact, or a prefix ending with '.'), revision, actor, person (the actor, or the human a bot or chat acted for: X-On-Behalf-Of, the chat user), since, until; pass 'next' as 'cursor'.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/export", Export)
            .WithName("ExportAuditEvents")
            .WithSummary("Every matching audit event as NDJSON (one JSON object a line, newest first), streamed.")
            .Produces<AuditEventResource>(StatusCodes.Status200OK, NdjsonMediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/verify", Verify)
            .WithName("VerifyAuditChain")
            .WithSummary("Walk the hash chain from the first event: ok, how many were checked, and the first event that does not fit.");

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
