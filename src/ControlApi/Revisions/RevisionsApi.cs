using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Revisions;

/// <summary>The numbered history of a cluster's desired settings.</summary>
public static class RevisionsApi
{
    /// <summary>Set on a <c>?waitFor=</c> answer whose timeout passed before the state was reached.</summary>
    public const string WaitTimedOutHeader = "X-Wait-Timed-Out";

    private const string RevisionStateTag = "The revision and its state, e.g. \"1.2\"; send it as If-None-Match to get 304 while nothing changed.";

    public static RouteGroupBuilder MapRevisionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}/revisions").WithTags("Revisions");

        group.MapGet("", ListRevisions)
            .WithName("ListRevisions")
            .WithDescription("Each revision with its state, author, reason and 'changes': what it changed against the revision before it. 'limit' 1..500 per page; pass the returned 'next' as 'cursor' for the following page.")
            .WithSummary("A cluster's revisions, newest first, each with what it changed.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{number:int}", GetRevision)
            .WithName("GetRevision")
            .WithResponseHeader(StatusCodes.Status200OK, "ETag", RevisionStateTag)
            .WithResponseHeader(StatusCodes.Status304NotModified, "ETag", RevisionStateTag)
            .WithResponseHeader(StatusCodes.Status200OK, WaitTimedOutHeader, "'true' when a waitFor wait ended because the timeout passed; the body is the revision as it is now.")
            .WithDescription("Its state, settings, commit and timeline, with an ETag (If-None-Match answers 304 while nothing changed). With waitFor=<state>&timeout=<30s|5m|1m30s> (at most 10m) the answer waits until the revision reaches that state or a later one (wait.outcome 'reached'), fails on its way ('failed'), or the timeout passes ('timedOut': 200 with the current state and X-Wait-Timed-Out: true).")
            .WithSummary("One revision with its state, commit and timeline; optionally waits for a state.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{number:int}/diff", DiffRevision)
            .WithName("DiffRevision")
            .WithDescription("Each settings member that differs by JSON pointer with its old and new value, and the unified diff of every rendered file. 'against' defaults to the revision before; 0 means the defaults.")
            .WithSummary("What a revision changed against another: settings members and rendered files.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    public static async Task<Results<Ok<RevisionDiffResource>, ProblemHttpResult>> DiffRevision(
        string cluster, int number, ClusterCatalog clusters, RevisionDiffer differ, CancellationToken cancellationToken, int? against = null)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        return await differ.DiffAsync(managed, number, against, cancellationToken) switch
        {
            RevisionDiffOutcome.Diffed diffed => TypedResults.Ok(diffed.Diff),
            RevisionDiffOutcome.NoSuchRevision missing => Problems.RevisionNotFound(managed.Id, missing.Missing, missing.CurrentRevision),
            var other => throw new InvalidOperationException($"Unhandled diff outcome {other.GetType().Name}."),
        };
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

    public static async Task<Results<Ok<RevisionResource>, StatusCodeHttpResult, ProblemHttpResult>> GetRevision(
        string cluster, int number, HttpContext context, ClusterCatalog clusters, RevisionReader revisions, RevisionWaiter waiter,
        TimeProvider time, CancellationToken cancellationToken, string? waitFor = null, string? timeout = null)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var (wait, problem) = ParseWait(number, waitFor, timeout);
        if (problem is not null) return problem;

        RevisionResource? revision;
        if (number < 0) revision = null;
        else if (wait is { } asked)
        {
            var started = time.GetTimestamp();
            var result = await waiter.WaitAsync(managed.Id, number, asked.State, asked.Timeout, cancellationToken);
            revision = result is null ? null : result.Revision with
            {
                Wait = new WaitResource(asked.State, result.Outcome == WaitOutcome.Reached, result.Outcome, Math.Round(time.GetElapsedTime(started).TotalSeconds, 3)),
            };
            if (result?.Outcome == WaitOutcome.TimedOut) context.Response.Headers[WaitTimedOutHeader] = "true";
        }
        else revision = await revisions.FindAsync(managed.Id, number, cancellationToken);

        if (revision is null) return Problems.RevisionNotFound(managed.Id, number, (await revisions.CurrentAsync(managed.Id, cancellationToken)).Number);
        var etag = ETags.ForRevisionResource(revision);
        context.Response.Headers.ETag = etag;
        if (ETags.NoneMatchHits(context.Request.Headers.IfNoneMatch, etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Ok(revision);
    }

    private static ((RevisionState State, TimeSpan Timeout)? Wait, ProblemHttpResult? Problem) ParseWait(int number, string? waitFor, string? timeout)
    {
        var valid = string.Join(", ", RevisionWait.SuccessPath);
        if (string.IsNullOrWhiteSpace(waitFor))
        {
            return string.IsNullOrWhiteSpace(timeout) ? (null, null)
                : (null, Problems.BadRequest("invalid-wait", "timeout without waitFor", $"timeout only applies to a wait: add waitFor=<state>, one of {valid}."));
        }
        if (!Enum.TryParse<RevisionState>(waitFor.Trim(), ignoreCase: true, out var state) || !RevisionWait.CanWaitFor(state) || int.TryParse(waitFor, out _))
            return (null, Problems.BadRequest("invalid-wait-state", "Invalid waitFor",
                $"waitFor '{Bounded(waitFor)}' is not a state that can be waited for. Valid states, in lifecycle order: {valid}. The answer also ends when the revision fails on its way."));
        if (number == 0)
            return (null, Problems.BadRequest("invalid-wait", "Nothing to wait for", "Revision 0 is the defaults: it has no lifecycle to wait on."));

        var wait = WaitingOptions.DefaultTimeout;
        if (!string.IsNullOrWhiteSpace(timeout))
        {
            if (!WaitDuration.TryParse(timeout, out wait) || wait <= TimeSpan.Zero)
                return (null, Problems.BadRequest("invalid-timeout", "Invalid timeout",
                    $"timeout '{Bounded(timeout)}' is not a duration such as 30s, 5m, 90s or 1m30s."));
            if (wait > WaitingOptions.MaxTimeout)
                return (null, Problems.BadRequest("invalid-timeout", "Timeout too long",
                    $"timeout {Bounded(timeout)} is longer than the maximum of {WaitDuration.Format(WaitingOptions.MaxTimeout)}; wait at most {WaitDuration.Format(WaitingOptions.MaxTimeout)} and ask again if you need longer."));
        }
        return ((state, wait), null);
    }

    private static string Bounded(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
