using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;

namespace ControlApi.Tests.GitOps.Support;

/// <summary>A fact that needs OpenSSH's server; skipped, with the reason, on machines without it.</summary>
public sealed class SshFactAttribute : FactAttribute
{
    public SshFactAttribute()
    {
        if (SshServer.UnavailableReason is { } reason) Skip = reason;
    }
}

/// <summary>
/// Debian's OpenSSH server on 127.0.0.1 with its own configuration, host key and authorized deploy
/// key, run in the foreground by the test and killed afterwards. git reaches repositories on this
/// machine through it exactly as it would reach a git host.
/// </summary>
public sealed class SshServer : IDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";
    private const string SshKeygenPath = "/usr/bin/ssh-keygen";

    private readonly Process _sshd;
    private readonly List<string> _log;

    private SshServer(Process sshd, List<string> log, int port, string directory)
    {
        _sshd = sshd;
        _log = log;
        Port = port;
        DeployKeyFile = Path.Combine(directory, "deploy_key");
        UnknownKeyFile = Path.Combine(directory, "unknown_key");
        KnownHostsFile = Path.Combine(directory, "known_hosts");
        WrongKnownHostsFile = Path.Combine(directory, "wrong_known_hosts");
    }

    public static string? UnavailableReason =>
        !File.Exists(SshdPath) ? $"{SshdPath} is missing: install Debian's openssh-server (and openssh-client) to run the SSH remote tests."
        : !File.Exists(SshKeygenPath) ? $"{SshKeygenPath} is missing: install Debian's openssh-client."
        : null;

    public int Port { get; }
    public string User { get; } = Environment.UserName;

    /// <summary>The authorized deploy key, left readable by others (0644) as a mounted secret would be.</summary>
    public string DeployKeyFile { get; }

    /// <summary>A key the server does not know.</summary>
    public string UnknownKeyFile { get; }

    public string KnownHostsFile { get; }

    /// <summary>known_hosts that names another key for this host, as after a server swap or an attack.</summary>
    public string WrongKnownHostsFile { get; }

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log) return [.. _log];
        }
    }

    public string UrlOf(string absoluteRepositoryPath) => $"ssh://{User}@127.0.0.1:{Port}{absoluteRepositoryPath}";

    public static async Task<SshServer> StartAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await KeygenAsync(Path.Combine(directory, "host_key"), cancellationToken);
        await KeygenAsync(Path.Combine(directory, "other_host_key"), cancellationToken);
        await KeygenAsync(Path.Combine(directory, "deploy_key"), cancellationToken);
        await KeygenAsync(Path.Combine(directory, "unknown_key"), cancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(directory, "deploy_key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Copy(Path.Combine(directory, "deploy_key.pub"), Path.Combine(directory, "authorized_keys"));

        var port = FreePort.Find();
        await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), KnownHostsLine(port, Path.Combine(directory, "host_key.pub")), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "wrong_known_hosts"), KnownHostsLine(port, Path.Combine(directory, "other_host_key.pub")), cancellationToken);

        var config = Path.Combine(directory, "sshd_config");
        await File.WriteAllLinesAsync(config,
        [
            $"Port {port}",
            "ListenAddress 127.0.0.1",
            $"HostKey {Path.Combine(directory, "host_key")}",
            $"PidFile {Path.Combine(directory, "sshd.pid")}",
            $"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}",
            $"AllowUsers {Environment.UserName}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UsePAM no",
            // Temp directories are not the 0700 home directories StrictModes expects.
            "StrictModes no",
            "LogLevel VERBOSE",
        ], cancellationToken);

        // As root, sshd insists on its privilege-separation directory (the Debian service creates it).
        if (Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");

        var log = new List<string>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sshd = new Process
        {
            StartInfo = new ProcessStartInfo(SshdPath, ["-D", "-e", "-f", config])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        sshd.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.Add(e.Data);
            if (e.Data.Contains($"Server listening on 127.0.0.1 port {port}", StringComparison.Ordinal)) listening.TrySetResult();
        };
        sshd.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("sshd exited: " + string.Join('\n', log)));
        sshd.Start();
        sshd.BeginErrorReadLine();
        sshd.BeginOutputReadLine();

        var server = new SshServer(sshd, log, port, directory);
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (Exception)
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    private static string KnownHostsLine(int port, string publicKeyFile)
    {
        var parts = File.ReadAllText(publicKeyFile).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"[127.0.0.1]:{port} {parts[0]} {parts[1]}\n";
    }

    private static async Task KeygenAsync(string path, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap(SshKeygenPath)
            .WithArguments(["-q", "-t", "ed25519", "-N", "", "-C", "controlapi-test", "-f", path])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        if (result.ExitCode != 0) throw new InvalidOperationException("ssh-keygen failed: " + result.StandardError);
    }

    public void Dispose()
    {
        if (!_sshd.HasExited) _sshd.Kill(entireProcessTree: true);
        _sshd.WaitForExit(10_000);
        _sshd.Dispose();
    }
}
