using ControlApi.Revisions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Http;

/// <summary>
/// RFC 9457 problem details for every error a caller can hit: what happened, and what to do.
/// Types are stable URNs scripts can match on; titles are short, details specific.
/// </summary>
public static class Problems
{
    public const string TypePrefix = "urn:controlapi:problem:";

    public static ProblemHttpResult ClusterNotFound(string cluster, IEnumerable<string> known) => Create(
        StatusCodes.Status404NotFound, "cluster-not-found", "Unknown cluster",
        $"No cluster '{cluster}' is configured. Known clusters: {string.Join(", ", known)}.");

    public static ProblemHttpResult RevisionNotFound(string cluster, int number, int current) => Create(
        StatusCodes.Status404NotFound, "revision-not-found", "Unknown revision",
        $"Cluster '{cluster}' has no revision {number}; its newest revision is {current}.",
        new() { ["currentRevision"] = current });

    public static ProblemHttpResult FeatureNotFound(string feature, string known) => Create(
        StatusCodes.Status404NotFound, "feature-not-found", "Unknown feature",
        $"'{feature}' is not a feature ControlApi switches. Features: {known}.");

    public static ProblemHttpResult BadRequest(string code, string title, string detail, string? pointer = null) => Create(
        StatusCodes.Status400BadRequest, code, title, detail,
        pointer is null ? null : new() { ["pointer"] = pointer });

    public static ProblemHttpResult PayloadTooLarge(int limit) => Create(
        StatusCodes.Status413PayloadTooLarge, "payload-too-large", "Request body too large",
        $"The body is larger than {limit} bytes; Cilium settings are far smaller. Send only the settings object.");

    public static ProblemHttpResult UnsupportedMediaType(string? given, string expected) => Create(
        StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported content type",
        $"Content-Type '{given ?? "(none)"}' is not accepted here; send {expected}.");

    public static ProblemHttpResult PreconditionFailed(string cluster, int current) => Create(
        StatusCodes.Status412PreconditionFailed, "revision-mismatch", "The settings changed meanwhile",
        $"If-Match does not name the current revision of '{cluster}', which is revision {current} (ETag \"{current}\"). Read the settings again and retry with If-Match: \"{current}\".",
        new() { ["currentRevision"] = current });

    public static ProblemHttpResult ValidationFailed(string cluster, IReadOnlyList<IssueResource> errors, IReadOnlyList<IssueResource> warnings) => Create(
        StatusCodes.Status422UnprocessableEntity, "validation-failed", "The settings are not allowed",
        $"{errors.Count} rule(s) refuse this change to '{cluster}'; nothing was stored. Fix every listed error and send it again.",
        new() { ["errors"] = errors, ["warnings"] = warnings });

    /// <summary>503 with <c>Retry-After</c>: storage (disk, permissions, database) stopped the request, and what happened.</summary>
    public static ProblemHttpResult StorageUnavailable(HttpContext context, Persistence.StorageFault fault)
    {
        context.Response.Headers.RetryAfter = ((int)fault.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var code = fault.Kind switch
        {
            Persistence.StorageFaultKind.Full => "storage-full",
            Persistence.StorageFaultKind.ReadOnly => "storage-read-only",
            Persistence.StorageFaultKind.Locked => "storage-locked",
            _ => "storage-unavailable",
        };
        return Create(StatusCodes.Status503ServiceUnavailable, code, "Storage unavailable",
            $"{fault.What} This request changed nothing; everything accepted before is kept. Try again after {(int)fault.RetryAfter.TotalSeconds} s; an operator may need to free space, make the data directory writable or stop the other process.");
    }

    public static ProblemHttpResult IdempotencyKeyReused(string key) => Create(
        StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "Idempotency-Key already used",
        $"Idempotency-Key '{key}' was already used for a different request. Use a new key for a new change.");

    /// <summary>423: a freeze or someone else's lock stops the change; it names who, why and what to do.</summary>
    public static ProblemHttpResult Blocked(string cluster, Holds.HoldResource hold) => Create(
        StatusCodes.Status423Locked, hold.Kind == Holds.ClusterHoldKinds.Freeze ? "cluster-frozen" : "cluster-locked",
        hold.Kind == Holds.ClusterHoldKinds.Freeze ? "The cluster is frozen" : "The cluster is locked by someone else",
        $"{Holds.HoldMessages.Describe(cluster, hold)} Nothing was stored. {Holds.HoldMessages.Advice(cluster, hold)}",
        Holds.HoldMessages.Extensions(hold));

    /// <summary>423: the change window is closed and the policy refuses changes outside it; names the next opening and what to do.</summary>
    public static ProblemHttpResult OutsideWindow(string cluster, Core.Governance.WindowState window) => Create(
        StatusCodes.Status423Locked, "outside-change-window", "Outside the change window",
        $"{Governance.WindowMessages.Refused(cluster, window)} {Governance.WindowMessages.RefusedAdvice(cluster)}",
        new() { ["nextOpen"] = window.NextOpen, ["window"] = window.Why });

    /// <summary>403: only admins may send a change through a closed window.</summary>
    public static ProblemHttpResult WindowOverrideForbidden(string actor) => Create(
        StatusCodes.Status403Forbidden, "window-override-forbidden", "Only admins may override the change window",
        Governance.WindowMessages.OverrideForbidden(actor));

    public static ProblemHttpResult AdoptFirst(string cluster, string reason) => Create(
        StatusCodes.Status409Conflict, "adopt-first", "Adopt the existing Cilium release first",
        reason, new() { ["adoptUrl"] = Adoption.AdoptionLinks.Adopt(cluster) });

    public static ProblemHttpResult Create(int status, string code, string title, string detail, Dictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypePrefix + code, extensions: extensions);
}
