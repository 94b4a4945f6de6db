namespace ControlApi.GitOps;

/// <summary>
/// A git command failed or timed out. Everything in it is already redacted: the message, the
/// command line and the reason can be logged, stored and shown to users as they are.
/// </summary>
public sealed class GitCommandException : Exception
{
    public GitCommandException(string command, int? exitCode, string reason, bool timedOut = false, Exception? inner = null)
        : base(FormatMessage(command, exitCode, reason, timedOut), inner)
    {
        Command = command;
        ExitCode = exitCode;
        Reason = reason;
        TimedOut = timedOut;
    }

    /// <summary>The command line, redacted, e.g. <c>git push --porcelain origin HEAD:refs/heads/main</c>.</summary>
    public string Command { get; }

    /// <summary>Null when the process never finished (timeout).</summary>
    public int? ExitCode { get; }

    /// <summary>A short human reason, redacted: git's <c>fatal:</c>/<c>error:</c> lines, or the timeout.</summary>
    public string Reason { get; }

    public bool TimedOut { get; }

    private static string FormatMessage(string command, int? exitCode, string reason, bool timedOut) =>
        (timedOut, exitCode) switch
        {
            (true, _) => $"'{command}' timed out: {reason}",
            (false, null) => $"'{command}' failed: {reason}",
            (false, var code) => $"'{command}' failed with exit code {code}: {reason}",
        };
}
