namespace ControlApi.Core.Observation;

/// <summary>
/// Flux revision strings (flux/NOTES.md "Revision format"): <c>main@sha1:&lt;hex&gt;</c> for a branch,
/// tag or semver ref, <c>refs/heads/main@sha1:&lt;hex&gt;</c> for a named ref, <c>sha1:&lt;hex&gt;</c> for a
/// commit-only ref, <c>sha256:</c> for SHA-256 repositories.
/// </summary>
public static class FluxRevision
{
    /// <summary>The commit hash a revision names, lowercase, or null when it names none.</summary>
    public static string? Hash(string? revision)
    {
        if (string.IsNullOrWhiteSpace(revision)) return null;
        var at = revision.LastIndexOf('@');
        var digest = at >= 0 ? revision[(at + 1)..] : revision;
        var colon = digest.IndexOf(':');
        if (colon <= 0) return null;
        var algorithm = digest[..colon];
        if (algorithm is not ("sha1" or "sha256")) return null;
        var hex = digest[(colon + 1)..];
        return hex.Length > 0 && hex.All(char.IsAsciiHexDigit) ? hex.ToLowerInvariant() : null;
    }

    /// <summary>True when the revision names exactly this commit.</summary>
    public static bool Names(string? revision, string commit) =>
        Hash(revision) is { } hash && string.Equals(hash, commit, StringComparison.OrdinalIgnoreCase);
}
