using System.Text.RegularExpressions;

namespace ControlApi.Notifications;

/// <summary>
/// Which audit kinds a subscriber wants: an exact kind (<c>git.committed</c>), a prefix ending with
/// a dot (<c>flux.</c>), or <c>*</c> for every kind.
/// </summary>
public static partial class EventPatterns
{
    public const string All = "*";
    public const int MaxLength = 64;

    public static bool IsValid(string? pattern) =>
        pattern == All || (pattern is { Length: > 0 and <= MaxLength } && Shape().IsMatch(pattern));

    public static bool Matches(IEnumerable<string> patterns, string kind) =>
        patterns.Any(p => p == All || (p.EndsWith('.') ? kind.StartsWith(p, StringComparison.Ordinal) : kind == p));

    [GeneratedRegex(@"\A[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?\z")]
    private static partial Regex Shape();
}

/// <summary>Receiver URLs: absolute http or https, no credentials in them (deliveries are signed instead).</summary>
public static class WebhookUrls
{
    public const int MaxLength = 2048;

    public static bool IsValid(string? url, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxLength)
            error = $"url must be an absolute http or https URL of at most {MaxLength} characters.";
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            error = $"url '{url}' is not an absolute http or https URL.";
        else if (!string.IsNullOrEmpty(uri.UserInfo))
            error = "url carries credentials; drop them: every delivery is signed with the webhook's secret (X-ControlApi-Signature).";
        return error is null;
    }

    /// <summary>The host only, for summaries and logs: paths and queries of receiver URLs often carry tokens.</summary>
    public static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : "(invalid url)";
}
