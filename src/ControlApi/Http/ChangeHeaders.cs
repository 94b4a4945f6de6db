using ControlApi.Configuration;

namespace ControlApi.Http;

/// <summary>The headers that accompany a change: why, for whom, preconditions and retry safety.</summary>
public sealed record ChangeHeaders(string? Reason, string? OnBehalfOf, int? IfMatchRevision, string? IdempotencyKey)
{
    /// <summary><c>X-Change-Window-Override</c>: an admin's reason to commit now although the change window is closed.</summary>
    public string? WindowOverride { get; init; }

    public const string ReasonHeader = "X-Change-Reason";
    public const string OnBehalfOfHeader = "X-On-Behalf-Of";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Marks an answer given again for a retried <see cref="IdempotencyKeyHeader"/>.</summary>
    public const string IdempotentReplayedHeader = "Idempotent-Replayed";

    /// <summary>Parses and checks the headers; the error names the header and the fix.</summary>
    public static (ChangeHeaders? Headers, string? Error) Parse(HttpRequest request, RequestLimitOptions limits)
    {
        var reason = Single(request, ReasonHeader);
        if (Check(reason, ReasonHeader, limits.MaxReasonLength) is { } reasonError) return (null, reasonError);
        var onBehalfOf = Single(request, OnBehalfOfHeader);
        if (Check(onBehalfOf, OnBehalfOfHeader, limits.MaxOnBehalfOfLength) is { } behalfError) return (null, behalfError);
        var key = Single(request, IdempotencyKeyHeader);
        if (Check(key, IdempotencyKeyHeader, limits.MaxIdempotencyKeyLength) is { } keyError) return (null, keyError);

        var windowOverride = Single(request, Governance.WindowOverride.Header);
        if (Check(windowOverride, Governance.WindowOverride.Header, limits.MaxReasonLength) is { } overrideError) return (null, overrideError);
        if (windowOverride is not null && string.IsNullOrWhiteSpace(windowOverride))
            return (null, $"{Governance.WindowOverride.Header} needs a reason, e.g. '{Governance.WindowOverride.Header}: hotfix for the outage in INC-123'; leave it out to have the change wait for its window.");

        int? ifMatch = null;
        var ifMatchRaw = request.Headers.IfMatch.ToString();
        if (!string.IsNullOrWhiteSpace(ifMatchRaw) && ifMatchRaw.Trim() != "*")
        {
            if (!ETags.TryParseRevision(ifMatchRaw, out var revision))
                return (null, $"If-Match '{ifMatchRaw}' is not a revision ETag; send the ETag from GET .../cilium, e.g. If-Match: \"3\".");
            ifMatch = revision;
        }
        return (new ChangeHeaders(Empty(reason), Empty(onBehalfOf), ifMatch, Empty(key)) { WindowOverride = Empty(windowOverride) }, null);
    }

    /// <summary>The window override as the change path takes it: the reason, and whether the caller is an admin (only they may use it).</summary>
    public Governance.WindowOverride? WindowOverrideOf(HttpContext context) => WindowOverride is { } why
        ? new Governance.WindowOverride(why, Security.MinimumRoleHandler.RoleOf(context.User) == Security.Role.Admin)
        : null;

    private static string? Single(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? string.Join(",", values.ToArray()) : null;

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Check(string? value, string header, int maxLength)
    {
        if (value is null) return null;
        if (value.Length > maxLength) return $"{header} is longer than {maxLength} characters; shorten it.";
        if (value.Any(char.IsControl)) return $"{header} contains control characters; send plain text on one line.";
        return null;
    }
}

/// <summary>Revision ETags: <c>"n"</c> (a weak <c>W/"n"</c> is accepted on input).</summary>
public static class ETags
{
    public static string ForRevision(int revision) => $"\"{revision}\"";

    /// <summary>
    /// The version of one revision resource (<c>GET .../revisions/{n}</c>), which changes as the revision
    /// moves through its lifecycle: its number and how many transitions its timeline holds (every state
    /// or reason change adds one; nothing else about a stored revision changes). Not an If-Match value.
    /// </summary>
    public static string ForRevisionResource(Revisions.RevisionResource revision) => $"\"{revision.Number}.{revision.Timeline.Count}\"";

    /// <summary>If-None-Match names <paramref name="etag"/> (or is <c>*</c>); weak and strong forms compare equal (RFC 9110 §13.1.2).</summary>
    public static bool NoneMatchHits(string? ifNoneMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch)) return false;
        foreach (var part in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "*") return true;
            var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
            if (tag == etag) return true;
        }
        return false;
    }

    public static bool TryParseRevision(string value, out int revision)
    {
        revision = 0;
        var text = value.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal)) text = text[2..];
        if (text.Length < 3 || text[0] != '"' || text[^1] != '"') return false;
        return int.TryParse(text.AsSpan(1, text.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out revision);
    }
}
