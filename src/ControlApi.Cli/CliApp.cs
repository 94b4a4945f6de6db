using System.CommandLine;
using ControlApi.Cli.Commands;

namespace ControlApi.Cli;

/// <summary>
/// The whole CLI behind one entry point, so tests run it in-process against the real service with
/// their own writers, environment and HTTP handler.
/// </summary>
public static class CliApp
{
    /// <param name="handler">The HTTP handler to send through (tests); null: a normal socket client.</param>
    /// <param name="variable">Reads an environment variable (tests supply their own).</param>
    public static async Task<int> RunAsync(string[] args, CliConsole console, HttpMessageHandler? handler = null,
        Func<string, string?>? variable = null, CancellationToken cancellationToken = default)
    {
        var runtime = new CliRuntime(console, handler, variable ?? Environment.GetEnvironmentVariable);
        var root = new RootCommand(
            "Change Cilium on Talos clusters through ControlApi and wait until it is verified.\n\n"
            + $"The server comes from --server, {CliSettings.UrlVariable} or the config file (default {CliSettings.DefaultServer}).\n"
            + $"The API key comes from {CliSettings.KeyVariable} or ~/.config/controlapi/config.json ({{\"server\": ..., \"key\": ...}}) only:\n"
            + "there is deliberately no option for it, because a key on the command line lands in shell history and process listings.\n\n"
            + "Exit codes: 0 done/reached, 1 the change failed, 2 usage error or refused (4xx), 3 timed out, 4 server unreachable.");
        foreach (var option in runtime.Global.All) root.Options.Add(option);
        foreach (var command in ClusterCommands.Build(runtime)
            .Concat(ChangeCommands.Build(runtime))
            .Concat(RevisionCommands.Build(runtime))
            .Concat(AuditCommands.Build(runtime)))
            root.Subcommands.Add(command);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) console.Error.WriteLine($"error: {error.Message}");
            console.Error.WriteLine("See 'controlapi --help'.");
            return ExitCodes.Refused;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }
}

/// <summary>Options every command takes (recursive, so they may follow the command name).</summary>
public sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server") { Description = $"The service's URL (else {CliSettings.UrlVariable}, the config file, {CliSettings.DefaultServer}).", Recursive = true };
    public Option<string?> Cluster { get; } = new("--cluster", "-c") { Description = "The cluster (default: the only one the service manages).", Recursive = true };
    public Option<OutputFormat> Output { get; } = new("--output", "-o") { Description = "table (for people), json or yaml (the service's answer).", Recursive = true, DefaultValueFactory = _ => OutputFormat.Table };

    public IEnumerable<Option> All => [Server, Cluster, Output];
}

/// <summary>What command groups need to build and run their commands.</summary>
public sealed class CliRuntime(CliConsole console, HttpMessageHandler? handler, Func<string, string?> variable)
{
    public GlobalOptions Global { get; } = new();

    /// <summary>Runs a command's body with a ready context, mapping what ends it to an exit code.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Handler(Func<ParseResult, CliContext, CancellationToken, Task<int>> body) =>
        async (parsed, cancellationToken) =>
        {
            var renderer = new Renderer(console, parsed.GetValue(Global.Output));
            try
            {
                var settings = CliSettings.Resolve(parsed.GetValue(Global.Server), variable);
                using var api = ApiClient.Create(settings, handler);
                return await body(parsed, new CliContext(api, renderer, parsed.GetValue(Global.Cluster)), cancellationToken);
            }
            catch (UsageException ex)
            {
                console.Error.WriteLine($"error: {ex.Message}");
                return ExitCodes.Refused;
            }
            catch (ApiAnswerException ex)
            {
                renderer.Problem(ex.Answer);
                return ex.Answer.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: end the redrawn line, and answer as shells do for an interrupt (128 + SIGINT).
                console.Error.WriteLine();
                return 130;
            }
        };
}
