using System.Security.Cryptography;
using System.Text;
using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.HostFirewall;
using ControlApi.Core.Settings;
using ControlApi.Revisions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Http;

/// <summary>
/// The shared shape of every change endpoint (PUT, PATCH, feature switch): headers checked,
/// the change run through <see cref="ChangeService"/>, and each outcome mapped to its answer.
/// </summary>
public static class ChangeEndpoint
{
    public static async Task<Results<Accepted<ChangeResource>, Ok<ChangeResource>, ProblemHttpResult>> RunAsync(
        HttpContext context,
        ManagedCluster cluster,
        ReadOnlyMemory<byte> body,
        Func<CiliumSettings, SettingsParseResult> desire,
        ChangeService changes,
        RequestLimitOptions limits,
        CancellationToken cancellationToken,
        IReadOnlyList<string>? namedMembers = null)
    {
        var (headers, headerError) = ChangeHeaders.Parse(context.Request, limits);
        if (headers is null) return Problems.BadRequest("invalid-header", "Invalid change header", headerError!);
        if (HostFirewallOverrideHeader.Check(context, headers) is { } overrideProblem) return overrideProblem;
        var (rollout, rolloutError) = Canary.RolloutHeaders.Parse(context.Request);
        if (rolloutError is not null) return Problems.BadRequest("invalid-header", "Invalid change header", rolloutError);

        var outcome = await changes.ApplyAsync(new ChangeRequest(
            cluster, desire, Caller.Name(context), AuditSources.Api,
            headers.Reason, headers.OnBehalfOf, headers.IfMatchRevision, headers.IdempotencyKey,
            Fingerprint(context.Request, body.Span))
        {
            NamedMembers = namedMembers,
            HostFirewallOverride = HostFirewallOverrideHeader.Present(context) ? headers.Reason : null,
            Canary = rollout,
            WindowOverride = headers.WindowOverrideOf(context),
            AuthenticatedPerson = Security.ApiKeyClaims.PersonOf(context.User),
        }, cancellationToken);
        return Answer(context, cluster, outcome);
    }

    /// <summary>Each outcome of a change as its HTTP answer (also for changes run elsewhere, e.g. a rollback).</summary>
    public static Results<Accepted<ChangeResource>, Ok<ChangeResource>, ProblemHttpResult> Answer(
        HttpContext context, ManagedCluster cluster, ChangeOutcome outcome)
    {
        switch (outcome)
        {
            case ChangeOutcome.Accepted accepted:
                context.Response.Headers.ETag = ETags.ForRevision(accepted.Change.Revision.Number);
                return TypedResults.Accepted(RevisionLinks.Revision(cluster.Id, accepted.Change.Revision.Number), accepted.Change);
            case ChangeOutcome.Unchanged unchanged:
                context.Response.Headers.ETag = ETags.ForRevision(unchanged.Change.Revision.Number);
                return TypedResults.Ok(unchanged.Change);
            case ChangeOutcome.Replayed replayed:
                // The first answer again (status, body, Location, ETag), mapped as it was then.
                context.Response.Headers[ChangeHeaders.IdempotentReplayedHeader] = "true";
                return Answer(context, cluster, replayed.First);
            case ChangeOutcome.Malformed malformed:
                return Problems.BadRequest("malformed-settings", "The settings could not be read", malformed.Error, malformed.Pointer);
            case ChangeOutcome.PreconditionFailed failed:
                context.Response.Headers.ETag = ETags.ForRevision(failed.CurrentRevision);
                return Problems.PreconditionFailed(cluster.Id, failed.CurrentRevision);
            case ChangeOutcome.Rejected rejected:
                return Problems.ValidationFailed(cluster.Id,
                    rejected.Validation.Errors.Select(IssueResource.From).ToList(),
                    rejected.Validation.Warnings.Select(IssueResource.From).ToList());
            case ChangeOutcome.IdempotencyKeyReused reused:
                return Problems.IdempotencyKeyReused(reused.Key);
            case ChangeOutcome.AdoptionRequired adopt:
                return Problems.AdoptFirst(cluster.Id, adopt.Reason);
            case ChangeOutcome.Blocked blocked:
                return Problems.Blocked(cluster.Id, blocked.Hold);
            case ChangeOutcome.CanaryRefused refused:
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "canary-not-possible", "The change cannot be a canary",
                    $"This change cannot be tried on canary nodes first: {string.Join("; ", refused.Reasons)}. {refused.Advice}",
                    new() { ["reasons"] = refused.Reasons });
            case ChangeOutcome.OutsideWindow outside:
                return Problems.OutsideWindow(cluster.Id, outside.Window);
            case ChangeOutcome.WindowOverrideForbidden forbidden:
                return Problems.WindowOverrideForbidden(forbidden.Actor);
            default:
                throw new InvalidOperationException($"Unhandled change outcome {outcome.GetType().Name}.");
        }
    }

    /// <summary>Method, path, body and the rollout headers: what makes two requests "the same" for an Idempotency-Key.</summary>
    public static string Fingerprint(HttpRequest request, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}\n{request.ContentType}\n"));
        hash.AppendData(body);
        // A canary and a rollout everywhere are different requests; without the headers the hash is as before.
        foreach (var header in new[] { Canary.RolloutHeaders.RolloutHeader, Canary.RolloutHeaders.NodesHeader })
            if (request.Headers.TryGetValue(header, out var value) && !string.IsNullOrWhiteSpace(value))
                hash.AppendData(Encoding.UTF8.GetBytes($"\n{header}: {value}"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The answers every change endpoint documents in the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithChangeProblems(this RouteHandlerBuilder builder) => builder
        .WithMetadata(new ChangeOperation())
        .Produces<ChangeResource>(StatusCodes.Status202Accepted)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status423Locked);
}
