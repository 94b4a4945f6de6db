using System.Diagnostics;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlApi.GitOps;

/// <summary>One git command: arguments as a list (never a shell string), where it runs, and its session.</summary>
internal sealed record GitInvocation(string WorkingDirectory, IReadOnlyList<string> Arguments, GitSession Session)
{
    /// <summary>Text piped to standard input (a commit message), or null for none.</summary>
    public string? StandardInput { get; init; }

    /// <summary>
    /// Exit codes that are answers rather than failures (e.g. 1 from <c>git diff --quiet</c>);
    /// null accepts every exit code, for callers that read the outcome themselves (push).
    /// </summary>
    public IReadOnlyCollection<int>? AcceptedExitCodes { get; init; } = [0];

    /// <summary>Variables for this command only (the commit author).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();
}

/// <summary>What a finished git command printed. Output is raw (not redacted): callers parse it.</summary>
internal sealed record GitOutput(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// The only place that starts git. Every command gets the session's isolated environment, a fixed
/// working directory that git cannot climb out of, a timeout that kills the whole process tree
/// (git spawns ssh, remote helpers and pack processes), and redaction of everything it reports.
/// </summary>
internal sealed partial class GitCommandRunner(IOptions<GitClientOptions> options, TimeProvider time, ILogger<GitCommandRunner> logger)
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private const int MaxReasonLength = 600;

    public async Task<GitOutput> RunAsync(GitInvocation invocation, CancellationToken cancellationToken)
    {
        var display = Display(invocation);
        var timeout = options.Value.CommandTimeout;

        var environment = new Dictionary<string, string?>(invocation.Session.Environment, StringComparer.Ordinal)
        {
            // Git must never discover a repository above the one it was pointed at: a working copy
            // under data/ inside some other checkout would otherwise silently act on that checkout.
            ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(Path.GetFullPath(invocation.WorkingDirectory)),
        };
        foreach (var (name, value) in invocation.ExtraEnvironment) environment[name] = value;

        var command = Cli.Wrap(options.Value.GitExecutable)
            .WithArguments(invocation.Arguments)
            .WithWorkingDirectory(invocation.WorkingDirectory)
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None);
        if (invocation.StandardInput is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(invocation.StandardInput, Utf8));
        }

        using var timer = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);

        LogStarting(logger, display, invocation.WorkingDirectory);
        var started = Stopwatch.GetTimestamp();
        BufferedCommandResult result;
        try
        {
            // Forceful cancellation: CliWrap kills the process and its children.
            result = await command.ExecuteBufferedAsync(Utf8, Utf8, deadline.Token);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            // git is missing or not executable: a deployment problem, said plainly.
            var reason = $"'{options.Value.GitExecutable}' could not be started ({ex.Message}); is git installed?";
            LogFailed(logger, display, null, reason);
            throw new GitCommandException(display, null, reason, timedOut: false, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = $"no answer within {timeout.TotalSeconds:0.#} s; the process was killed";
            LogFailed(logger, display, null, reason);
            throw new GitCommandException(display, null, reason, timedOut: true, ex);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (invocation.AcceptedExitCodes is null || invocation.AcceptedExitCodes.Contains(result.ExitCode))
        {
            LogFinished(logger, display, result.ExitCode, (long)elapsed.TotalMilliseconds);
            return new GitOutput(result.ExitCode, result.StandardOutput, result.StandardError);
        }

        var failure = FailureOf(invocation, new GitOutput(result.ExitCode, result.StandardOutput, result.StandardError));
        LogFailed(logger, display, result.ExitCode, failure.Reason);
        throw failure;
    }

    /// <summary>The exception for a finished command whose exit code the caller decided is a failure.</summary>
    internal static GitCommandException FailureOf(GitInvocation invocation, GitOutput output) =>
        new(Display(invocation), output.ExitCode, Reason(output.StandardError, output.StandardOutput, SecretsOf(invocation)));

    private static IReadOnlyList<string> SecretsOf(GitInvocation invocation) => invocation.Session.Secrets;

    private static string Display(GitInvocation invocation) =>
        GitRedactor.Redact("git " + string.Join(' ', invocation.Arguments.Select(QuoteForDisplay)), SecretsOf(invocation));

    /// <summary>
    /// The readable part of git's complaint: its messages without the "hint:" paragraphs, on one
    /// line, redacted, bounded.
    /// </summary>
    internal static string Reason(string standardError, string standardOutput, IEnumerable<string> secrets)
    {
        var source = string.IsNullOrWhiteSpace(standardError) ? standardOutput : standardError;
        var lines = source.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("hint:", StringComparison.Ordinal));
        var reason = GitRedactor.Redact(string.Join(' ', lines), secrets);
        if (reason.Length == 0) return "git printed no reason";
        if (reason.Length > MaxReasonLength) reason = reason[..MaxReasonLength] + "…";
        return Classify(reason) is { } kind ? $"{kind}: {reason}" : reason;
    }

    /// <summary>A plain-words headline for the failures people meet, in front of git's own words.</summary>
    private static string? Classify(string reason)
    {
        bool Has(string text) => reason.Contains(text, StringComparison.OrdinalIgnoreCase);

        if (Has("terminal prompts disabled") || Has("Authentication failed") || Has("returned error: 401") || Has("returned error: 403"))
            return "authentication failed";
        if (Has("Permission denied (publickey"))
            return "SSH authentication failed (deploy key refused)";
        if (Has("Host key verification failed") || Has("REMOTE HOST IDENTIFICATION HAS CHANGED"))
            return "SSH host key not trusted (check known_hosts)";
        if (Has("does not appear to be a git repository") || Has("Could not resolve host") || Has("Connection refused")
            || Has("Failed to connect") || Has("Connection timed out") || Has("Could not read from remote repository")
            || Has("returned error: 404"))
            return "remote unreachable";
        return null;
    }

    private static string QuoteForDisplay(string argument) =>
        argument.Length > 0 && !argument.Any(char.IsWhiteSpace) ? argument : $"'{argument}'";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Running {Command} in {Directory}")]
    private static partial void LogStarting(ILogger logger, string command, string directory);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Command} exited {ExitCode} after {ElapsedMs} ms")]
    private static partial void LogFinished(ILogger logger, string command, int exitCode, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Command} failed (exit {ExitCode}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string command, int? exitCode, string reason);
}
