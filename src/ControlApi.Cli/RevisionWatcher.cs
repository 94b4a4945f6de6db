using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ControlApi.Cli;

/// <summary>
/// Waits for a revision with the service's long poll, asking in short slices so the person sees the
/// state, the rollout (from the status endpoint) and the elapsed time while it waits. On a terminal
/// one line is redrawn; redirected output gets a plain line whenever the state or rollout changes.
/// </summary>
public sealed class RevisionWatcher(CliContext context)
{
    /// <summary>The states a revision passes on its way to Verified; a wait names one of them.</summary>
    public static readonly string[] SuccessPath = ["Accepted", "Committed", "Applied", "RolledOut", "Verified"];

    // A terminal redraws the elapsed time every second; redirected output prints only changes, so it asks less often.
    // Either way a state change ends the long poll at once.
    private static readonly TimeSpan TerminalSlice = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PlainSlice = TimeSpan.FromSeconds(5);

    public static string ParseState(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "Verified";
        return SuccessPath.FirstOrDefault(s => s.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"'{text}' is not a state to wait for; one of {string.Join(", ", SuccessPath)}.");
    }

    public async Task<int> WaitAsync(string cluster, int number, string state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var render = context.Render;
        var console = render.Console;
        var people = render.Format == OutputFormat.Table;
        var started = Stopwatch.GetTimestamp();
        string? lastShown = null;
        var longest = people && !console.IsOutputRedirected ? TerminalSlice : PlainSlice;
        for (var asked = 0; ; asked++)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            // The first answer comes within a second either way, so the person sees where the revision stands at once.
            var wanted = asked == 0 ? TerminalSlice : longest;
            var slice = remaining < wanted ? remaining : wanted;
            var revision = await context.Api.GetAsync(
                $"{CliContext.PathOf(cluster)}/revisions/{number}?waitFor={state}&timeout={Duration.Format(slice < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : slice)}",
                cancellationToken);
            var outcome = Renderer.Text(Renderer.At(revision, "wait.outcome")) ?? "";
            var current = Renderer.Text(revision?["state"]) ?? "?";
            var elapsed = Stopwatch.GetElapsedTime(started);

            if (people)
            {
                var rollout = await RolloutAsync(cluster, cancellationToken);
                var shown = $"revision {number}: {current}{(rollout is null ? "" : $", rollout {rollout}")}";
                if (!console.IsOutputRedirected) console.Out.Write($"\r{shown}, {Duration.Elapsed(elapsed)}\u001b[K");
                else if (shown != lastShown) console.Out.WriteLine($"{shown} ({Duration.Elapsed(elapsed)})");
                lastShown = shown;
            }

            var done = outcome.ToLowerInvariant() switch
            {
                // Hours may pass before the window opens: a waiting terminal is no use, the person hears when it goes.
                _ when current == "Scheduled" => ExitCodes.Scheduled,
                "reached" => ExitCodes.Done,
                "failed" => ExitCodes.Failed,
                _ when timeout - elapsed < TimeSpan.FromMilliseconds(50) => ExitCodes.TimedOut,
                _ => (int?)null,
            };
            if (done is not { } code) continue;

            if (people && !console.IsOutputRedirected) console.Out.WriteLine();
            var reason = Renderer.Text(revision?["stateReason"]);
            render.Note(code switch
            {
                ExitCodes.Done => $"revision {number} is {current} ({Duration.Elapsed(elapsed)})",
                ExitCodes.Failed => $"revision {number} failed: {current}{(reason is null ? "" : $": {reason}")}",
                ExitCodes.Scheduled => $"revision {number} is Scheduled: it waits for the change window and is committed at {Renderer.Text(revision?["scheduledFor"]) ?? "its next opening"}; "
                    + $"wait for it then with 'controlapi wait {number} --cluster {cluster}'",
                _ => $"timed out after {Duration.Elapsed(elapsed)}: revision {number} is {current}, not yet {state}; wait more with 'controlapi wait {number} --cluster {cluster}'",
            });
            if (!people) render.Data(revision);
            return code;
        }
    }

    /// <summary>"12/17" DaemonSet pods updated, when the cluster is connected and observed; null otherwise.</summary>
    private async Task<string?> RolloutAsync(string cluster, CancellationToken cancellationToken)
    {
        if (await context.Api.SendAsync(HttpMethod.Get, $"{CliContext.PathOf(cluster)}/status", null, null, null, cancellationToken)
            is not ApiAnswer.Ok { Body: JsonObject status }) return null;
        var daemonSet = Renderer.At(status, "observation.daemonSet");
        return daemonSet is JsonObject ds && ds["desired"] is not null ? $"{Renderer.Text(ds["updated"])}/{Renderer.Text(ds["desired"])}" : null;
    }
}
