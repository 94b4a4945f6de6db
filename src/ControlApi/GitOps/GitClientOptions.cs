namespace ControlApi.GitOps;

/// <summary>Settings of the git client (section <c>ControlApi:Git</c> when bound from configuration).</summary>
public sealed class GitClientOptions
{
    public const string SectionName = "ControlApi:Git";

    /// <summary>The git executable; a name found on PATH or an absolute path.</summary>
    public string GitExecutable { get; set; } = "git";

    /// <summary>Longest time one git command may run before its process tree is killed.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Where per-operation scratch directories (isolated HOME, a 0600 copy of the SSH key) are
    /// made and removed again; null means the system temp directory.
    /// </summary>
    public string? ScratchDirectory { get; set; }

    /// <summary>How often a publish re-applies its files after the remote moved ahead before giving up.</summary>
    public int MaxPublishAttempts { get; set; } = 5;
}
