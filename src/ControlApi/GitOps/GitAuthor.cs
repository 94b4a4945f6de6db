namespace ControlApi.GitOps;

/// <summary>The identity ControlApi commits as (author and committer), from the cluster's configuration.</summary>
public sealed record GitAuthor
{
    public GitAuthor(string name, string email)
    {
        // Git strips or rejects these, and a newline in an environment value would be worse: refuse early.
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsControl(c) || c is '<' or '>'))
        {
            throw new ArgumentException($"'{name}' is not a usable git author name.", nameof(name));
        }

        if (string.IsNullOrWhiteSpace(email) || email.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>'))
        {
            throw new ArgumentException($"'{email}' is not a usable git author email.", nameof(email));
        }

        Name = name.Trim();
        Email = email;
    }

    public string Name { get; }
    public string Email { get; }

    public override string ToString() => $"{Name} <{Email}>";

    /// <summary>Author and committer are the same: the commit job is both.</summary>
    internal IReadOnlyDictionary<string, string> ToEnvironment() => new Dictionary<string, string>
    {
        ["GIT_AUTHOR_NAME"] = Name,
        ["GIT_AUTHOR_EMAIL"] = Email,
        ["GIT_COMMITTER_NAME"] = Name,
        ["GIT_COMMITTER_EMAIL"] = Email,
    };
}
