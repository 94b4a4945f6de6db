namespace ControlApi.GitOps;

/// <summary>How a commit is named to people: its first 12 hex digits, as git and GitHub abbreviate it.</summary>
public static class CommitIds
{
    public static string Short(string? sha, string none = "") => sha is { Length: > 12 } ? sha[..12] : sha ?? none;
}
