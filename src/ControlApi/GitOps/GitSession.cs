using System.Text;

namespace ControlApi.GitOps;

/// <summary>
/// The environment of one git operation: an isolated HOME (so no user or system configuration,
/// credential helper or SSH config leaks in), the credentials of the remote as environment
/// variables, and the secret values to redact. Disposing removes the scratch directory, and with
/// it the private-key copy.
/// </summary>
internal sealed class GitSession : IDisposable
{
    // Owner-only: the scratch directory holds a private key.
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Variables a parent process (a git hook, a developer shell, CI) could set that would redirect
    // or reconfigure git, leak secrets to stderr, or offer other identities. Removed from every call.
    private static readonly IReadOnlyList<string> InheritedVariablesToRemove =
    [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE", "GIT_COMMON_DIR", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
        "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_ASKPASS", "SSH_ASKPASS", "SSH_AUTH_SOCK", "GIT_PROXY_COMMAND",
        "GIT_TRACE", "GIT_TRACE_CURL", "GIT_TRACE_PACKET", "GIT_TRACE_SETUP", "GIT_TRACE_PERFORMANCE", "GIT_CURL_VERBOSE",
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
        "LANGUAGE", "LANG",
    ];

    // Configuration every command runs with: no background gc that could outlive a killed command
    // and hold locks, no hooks or signing from the repository, no credential helpers, no line-ending
    // rewriting of the bytes we render.
    private static readonly IReadOnlyList<(string Key, string Value)> FixedConfig =
    [
        ("gc.auto", "0"),
        ("maintenance.auto", "false"),
        ("core.hooksPath", "/dev/null"),
        ("core.autocrlf", "false"),
        ("core.fsmonitor", "false"),
        ("commit.gpgSign", "false"),
        ("credential.helper", ""),
        ("protocol.ext.allow", "never"),
        ("advice.detachedHead", "false"),
    ];

    private readonly string _scratch;

    private GitSession(string scratch, IReadOnlyDictionary<string, string?> environment, IReadOnlyList<string> secrets)
    {
        _scratch = scratch;
        Environment = environment;
        Secrets = secrets;
    }

    /// <summary>Variables to set (non-null) or remove (null) for every command of this operation.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>Values that must never leave the client: the token, its header, the key contents.</summary>
    public IReadOnlyList<string> Secrets { get; }

    /// <summary>
    /// Prepares the environment for <paramref name="remote"/>, reading its credential files now, so a
    /// rotated token or key is used from the next operation on. A null remote gives a session with
    /// no credentials (e.g. for creating a local bare repository).
    /// </summary>
    public static GitSession Open(GitRemote? remote, GitClientOptions options)
    {
        var root = options.ScratchDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(root);
        var scratch = Path.Combine(root, "controlapi-git-" + Guid.NewGuid().ToString("N"));
        CreatePrivateDirectory(scratch);
        try
        {
            var home = CreatePrivateDirectory(Path.Combine(scratch, "home"));
            var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var name in InheritedVariablesToRemove) environment[name] = null;
            environment["HOME"] = home;
            environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
            environment["GIT_CONFIG_NOSYSTEM"] = "1";
            environment["GIT_TERMINAL_PROMPT"] = "0";
            environment["SSH_ASKPASS_REQUIRE"] = "never";
            environment["GIT_EDITOR"] = "true";
            environment["GIT_PAGER"] = "cat";
            environment["LC_ALL"] = "C";
            // Paths from callers (managed file paths) are names, never globs.
            environment["GIT_LITERAL_PATHSPECS"] = "1";

            var config = new List<(string Key, string Value)>(FixedConfig);
            var secrets = new List<string>();
            switch (remote?.Kind)
            {
                case GitRemoteKind.Ssh:
                    environment["GIT_SSH_COMMAND"] = SshCommand(CopyPrivateKey(remote.SshKeyFile!, scratch, secrets), remote.KnownHostsFile!);
                    break;
                case GitRemoteKind.Http when remote.TokenFile is not null:
                    config.Add(TokenHeader(remote, secrets));
                    break;
            }

            environment["GIT_CONFIG_COUNT"] = config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < config.Count; i++)
            {
                environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
                environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
            }

            return new GitSession(scratch, environment, secrets);
        }
        catch (Exception)
        {
            DeleteScratch(scratch);
            throw;
        }
    }

    public void Dispose() => DeleteScratch(_scratch);

    private static void DeleteScratch(string scratch)
    {
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }

    /// <summary>
    /// ssh refuses keys readable by others ("UNPROTECTED PRIVATE KEY FILE"), and Kubernetes mounts
    /// secrets 0644 by default; it also fails on keys missing their final newline. A 0600 copy with
    /// a newline fixes both without asking the operator to care.
    /// </summary>
    private static string CopyPrivateKey(string keyFile, string scratch, List<string> secrets)
    {
        var key = ReadCredentialFile(keyFile, "SSH key");
        var normalized = key.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n";
        secrets.AddRange(normalized.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)));

        var copy = Path.Combine(scratch, "deploy-key");
        var write = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) write.UnixCreateMode = OwnerOnlyFile;
        using (var stream = new FileStream(copy, write))
        {
            stream.Write(new UTF8Encoding(false).GetBytes(normalized));
        }

        return copy;
    }

    private static string CreatePrivateDirectory(string path) =>
        OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path).FullName
            : Directory.CreateDirectory(path, OwnerOnlyDirectory).FullName;

    private static string SshCommand(string keyFile, string knownHostsFile)
    {
        // git runs GIT_SSH_COMMAND through the shell, so every path is shell-quoted; ssh then parses
        // -o values like ssh_config lines (whitespace splits, %-tokens expand), hence the inner
        // double quotes and doubled percent signs.
        if (knownHostsFile.Contains('"') || keyFile.Contains('"'))
        {
            throw new ArgumentException("SSH key and known_hosts paths cannot contain double quotes.", nameof(knownHostsFile));
        }

        var knownHosts = Path.GetFullPath(knownHostsFile).Replace("%", "%%", StringComparison.Ordinal);
        string[] words =
        [
            "ssh", "-F", "/dev/null",
            "-i", keyFile.Replace("%", "%%", StringComparison.Ordinal),
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", $"UserKnownHostsFile=\"{knownHosts}\"",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=30",
        ];
        return string.Join(' ', words.Select(ShellQuote));
    }

    /// <summary>
    /// The token goes in an HTTP header through GIT_CONFIG_* variables: never in the URL (which git
    /// stores in .git/config and prints in errors) and never in argv (visible in the process list).
    /// The header is scoped to the remote's origin so it is not sent to another host.
    /// </summary>
    private static (string Key, string Value) TokenHeader(GitRemote remote, List<string> secrets)
    {
        var token = ReadCredentialFile(remote.TokenFile!, "token").Trim();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + token));
        var header = "Authorization: Basic " + basic;
        secrets.AddRange([token, basic, header]);

        var uri = new Uri(remote.Url);
        return ($"http.{uri.Scheme}://{uri.Authority}/.extraHeader", header);
    }

    private static string ReadCredentialFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new GitCommandException("read credentials", null, $"The {what} file '{path}' does not exist.");
        }

        var content = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(content))
        {
            throw new GitCommandException("read credentials", null, $"The {what} file '{path}' is empty.");
        }

        return content;
    }

    private static string ShellQuote(string word) =>
        word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '=' or ',')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
