using System.Text.RegularExpressions;

namespace ControlApi.GitOps;

/// <summary>How ControlApi reaches a remote, which decides which credentials it sends.</summary>
public enum GitRemoteKind
{
    /// <summary>A path on this machine or a <c>file://</c> URL; no credentials.</summary>
    Local,
    /// <summary><c>ssh://</c> or scp-like <c>user@host:path</c>, authenticated with a deploy key.</summary>
    Ssh,
    /// <summary><c>https://</c> or <c>http://</c>, optionally authenticated with a token.</summary>
    Http,
}

/// <summary>
/// A GitOps remote: its URL and branch, plus the files holding its credentials. Secrets are files
/// (mounted Kubernetes secrets, typically) read when a command runs, so a rotated token is picked
/// up without a restart and no secret ever sits in configuration or memory longer than a call.
/// </summary>
public sealed partial record GitRemote(string Url, string Branch)
{
    /// <summary>Private key for SSH remotes (a deploy key). Any file mode works: it is copied to a 0600 file per call.</summary>
    public string? SshKeyFile { get; init; }

    /// <summary>known_hosts for SSH remotes; host keys are always checked strictly.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>File holding a token for HTTP(S) remotes, sent as a basic-auth header, never in the URL.</summary>
    public string? TokenFile { get; init; }

    public GitRemoteKind Kind => KindOf(Url);

    /// <summary>The URL with any userinfo password or HTTP userinfo hidden, safe for logs and messages.</summary>
    public string DisplayUrl => GitRedactor.Redact(Url, []);

    // Records print every member; keep accidental interpolation of a remote free of userinfo.
    public override string ToString() => $"{DisplayUrl} ({Branch})";

    /// <summary>
    /// Classifies a URL the way git does: a scheme decides, otherwise a colon before the first
    /// slash means scp-like SSH (<c>git@host:org/repo</c>), otherwise it is a local path.
    /// </summary>
    public static GitRemoteKind KindOf(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var scheme = SchemePattern().Match(url);
        if (scheme.Success)
        {
            return scheme.Groups["scheme"].Value.ToLowerInvariant() switch
            {
                "file" => GitRemoteKind.Local,
                "ssh" or "git+ssh" or "ssh+git" => GitRemoteKind.Ssh,
                "http" or "https" => GitRemoteKind.Http,
                var other => throw new ArgumentException(
                    $"Remote URL scheme '{other}' is not supported; use a path, file://, ssh://, user@host:path, https:// or http://.", nameof(url)),
            };
        }

        var colon = url.IndexOf(':');
        var slash = url.IndexOf('/');
        var scpLike = colon > 0 && (slash < 0 || colon < slash) && !IsWindowsDrive(url);
        return scpLike ? GitRemoteKind.Ssh : GitRemoteKind.Local;
    }

    /// <summary>
    /// Checks that the remote can be used as configured; called before any command runs so a
    /// misconfiguration is one clear message instead of a git or ssh error later.
    /// </summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Url);
        if (!IsValidBranchName(Branch))
        {
            throw new ArgumentException($"'{Branch}' is not a usable branch name.", nameof(Branch));
        }

        switch (Kind)
        {
            case GitRemoteKind.Local when !Url.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !Path.IsPathRooted(Url):
                throw new ArgumentException($"Local remote '{DisplayUrl}' must be an absolute path or a file:// URL.", nameof(Url));
            case GitRemoteKind.Ssh when string.IsNullOrWhiteSpace(SshKeyFile) || string.IsNullOrWhiteSpace(KnownHostsFile):
                throw new ArgumentException($"SSH remote '{DisplayUrl}' needs both SshKeyFile and KnownHostsFile: host keys are always verified.", nameof(SshKeyFile));
            case not GitRemoteKind.Http when TokenFile is not null:
                throw new ArgumentException($"TokenFile is only used with https:// or http:// remotes, not '{DisplayUrl}'.", nameof(TokenFile));
            case not GitRemoteKind.Ssh when SshKeyFile is not null:
                throw new ArgumentException($"SshKeyFile is only used with SSH remotes, not '{DisplayUrl}'.", nameof(SshKeyFile));
        }
    }

    /// <summary>
    /// A conservative subset of git's ref-name rules: enough to keep a branch from being read as an
    /// option, a revision expression or a path outside refs/heads.
    /// </summary>
    public static bool IsValidBranchName(string? branch) =>
        !string.IsNullOrEmpty(branch) && BranchPattern().IsMatch(branch)
        && !branch.Contains("..", StringComparison.Ordinal) && !branch.Contains("//", StringComparison.Ordinal)
        && !branch.EndsWith('/') && !branch.EndsWith(".lock", StringComparison.Ordinal) && !branch.Contains("@{", StringComparison.Ordinal);

    private static bool IsWindowsDrive(string url) => url.Length >= 2 && char.IsAsciiLetter(url[0]) && url[1] == ':';

    [GeneratedRegex("^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")]
    private static partial Regex SchemePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._/-]*$")]
    private static partial Regex BranchPattern();
}
