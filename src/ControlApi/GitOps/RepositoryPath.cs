namespace ControlApi.GitOps;

/// <summary>
/// Checks a repository-relative path before ControlApi writes or deletes anything: a path from a
/// renderer bug or a configuration mistake must never reach outside the working copy or into .git.
/// </summary>
public static class RepositoryPath
{
    /// <summary>The path in git's form (forward slashes, no leading "./"), or an <see cref="ArgumentException"/> saying why not.</summary>
    public static string Normalize(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw Refused(path, "it is empty");
        if (path.Any(char.IsControl)) throw Refused(path, "it contains control characters");
        if (path.Contains('\\')) throw Refused(path, "it contains a backslash; use '/'");
        if (path.StartsWith('/') || Path.IsPathRooted(path) || (path.Length >= 2 && path[1] == ':'))
        {
            throw Refused(path, "it is absolute");
        }

        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            if (segment is "..") throw Refused(path, "it climbs out with '..'");
            if (segment is "" or ".") throw Refused(path, "it has an empty or '.' segment");
            if (segment.Equals(".git", StringComparison.OrdinalIgnoreCase)) throw Refused(path, "it points into .git");
        }

        return path;
    }

    private static ArgumentException Refused(string path, string why) =>
        new($"Refusing repository path '{path}': {why}.", nameof(path));
}
