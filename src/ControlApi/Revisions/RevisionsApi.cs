using ControlApi.Configuration;
using ControlApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Revisions;

/// <summary>The numbered history of a cluster's desired settings.</summary>
public static class RevisionsApi
{
    public static RouteGroupBuilder MapRevisionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}/revisions").WithTags("Revisions");

        group.MapGet("", ListRevisions)
            .WithName("ListRevisions")
            .WithSummary("Revisions newest first; pass the returned 'next' as 'cursor' for the following page.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{number:int}", GetRevision)
            .WithName("GetRevision")
            .WithSummary("One revision with its state, commit and timeline.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    public static async Task<Results<Ok<RevisionPage>, ProblemHttpResult>> ListRevisions(
        string cluster, ClusterCatalog clusters, RevisionReader revisions, CancellationToken cancellationToken,
        int? limit = null, string? cursor = null)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var size = limit ?? 50;
        if (size is < 1 or > RevisionReader.MaxPageSize)
            return Problems.BadRequest("invalid-limit", "Invalid page size", $"limit must be between 1 and {RevisionReader.MaxPageSize}.");
        if (!RevisionReader.TryDecodeCursor(cursor, out var before))
            return Problems.BadRequest("invalid-cursor", "Invalid cursor", "The cursor is not one this API returned; start again without a cursor.");
        return TypedResults.Ok(await revisions.PageAsync(managed.Id, size, before, cancellationToken));
    }

    public static async Task<Results<Ok<RevisionResource>, ProblemHttpResult>> GetRevision(
        string cluster, int number, ClusterCatalog clusters, RevisionReader revisions, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (number >= 0 && await revisions.FindAsync(managed.Id, number, cancellationToken) is { } revision) return TypedResults.Ok(revision);
        var current = await revisions.CurrentAsync(managed.Id, cancellationToken);
        return Problems.RevisionNotFound(managed.Id, number, current.Number);
    }
}
