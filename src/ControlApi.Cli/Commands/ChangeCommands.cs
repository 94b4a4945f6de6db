using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlApi.Cli.Commands;

/// <summary>enable, disable, set, rollback (changes that make a revision) and plan (one that does not).</summary>
public static class ChangeCommands
{
    private const string MergePatch = "application/merge-patch+json";

    public static IEnumerable<Command> Build(CliRuntime runtime)
    {
        var options = new ChangeOptions();

        Command Switch(string verb, bool enabled)
        {
            var feature = new Argument<string>("feature") { Description = "encryption, bgp, hubble, hubble-ui, host-firewall, bandwidth-manager, bbr, l7-proxy, kube-proxy-replacement" };
            var command = new Command(verb, $"{(enabled ? "Turn on" : "Turn off")} one feature: a new revision, committed to the GitOps repository.") { feature };
            options.AddTo(command);
            command.SetAction(runtime.Handler(async (parsed, context, ct) =>
            {
                var cluster = await context.ClusterAsync(ct);
                var body = new JsonObject { ["enabled"] = enabled }.ToJsonString();
                return await ChangeAsync(context, parsed, options, cluster, HttpMethod.Put,
                    $"{CliContext.PathOf(cluster)}/features/{Uri.EscapeDataString(parsed.GetValue(feature)!)}", body, "application/json", ct);
            }));
            return command;
        }

        var patch = new Argument<string>("json-merge-patch") { Description = "An RFC 7396 merge patch of the settings, e.g. '{\"hubble\":{\"enabled\":true}}' (null resets a member)." };
        var set = new Command("set", "Change settings with a JSON merge patch: a new revision, committed to the GitOps repository.") { patch };
        options.AddTo(set);
        set.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            return await ChangeAsync(context, parsed, options, cluster, new HttpMethod("PATCH"), $"{CliContext.PathOf(cluster)}/cilium",
                JsonPatch(parsed.GetValue(patch)), MergePatch, ct);
        }));

        var target = new Argument<int>("n") { Description = "The revision whose settings to restore." };
        var rollback = new Command("rollback", "Make revision n's settings the desired ones again (a new revision).") { target };
        options.AddTo(rollback);
        rollback.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            return await ChangeAsync(context, parsed, options, cluster, HttpMethod.Post,
                $"{CliContext.PathOf(cluster)}/revisions/{parsed.GetValue(target)}/rollback", null, null, ct);
        }));

        var planPatch = new Argument<string>("json-merge-patch") { Description = "The merge patch to try." };
        var plan = new Command("plan", "Show what a merge patch would change (settings, errors, files) without storing anything.") { planPatch };
        plan.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            var answer = await ApiClient.RequireAsync(context.Api.SendAsync(HttpMethod.Post, $"{CliContext.PathOf(cluster)}/cilium/plan",
                JsonPatch(parsed.GetValue(planPatch)), MergePatch, null, ct));
            if (context.Render.Format != OutputFormat.Table) { context.Render.Data(answer); return ExitCodes.Done; }
            var valid = answer?["valid"]?.GetValue<bool>() == true;
            context.Render.Note(valid ? (answer?["noChange"]?.GetValue<bool>() == true ? "valid, changes nothing" : "valid") : "refused by the rules:");
            foreach (var change in answer?["changes"] as JsonArray ?? []) context.Render.Note($"  change  {Renderer.Text(change)}");
            foreach (var (label, list) in new[] { ("error", answer?["errors"]), ("warning", answer?["warnings"]) })
                foreach (var issue in list as JsonArray ?? [])
                    context.Render.Note($"  {label} {Renderer.Text(issue?["pointer"])}: {Renderer.Text(issue?["message"])}");
            foreach (var file in Renderer.At(answer, "repository.files") as JsonArray ?? [])
                context.Render.Note(Renderer.Text(file?["diff"]) ?? "");
            return valid ? ExitCodes.Done : ExitCodes.Refused;
        }));

        return [Switch("enable", true), Switch("disable", false), set, plan, rollback];
    }

    /// <summary>Sends one change, then either reports the new revision or waits for it.</summary>
    private static async Task<int> ChangeAsync(CliContext context, ParseResult parsed, ChangeOptions options, string cluster,
        HttpMethod method, string path, string? body, string? mediaType, CancellationToken ct)
    {
        var wait = options.Wait(parsed);
        var timeout = options.Timeout(parsed);
        var change = new ChangeContext(parsed.GetValue(options.Reason), parsed.GetValue(options.OnBehalfOf));
        var answer = await ApiClient.RequireAsync(context.Api.SendAsync(method, path, body, mediaType, change, ct));
        var render = context.Render;
        var number = Renderer.At(answer, "revision.number")?.GetValue<int>() ?? 0;
        foreach (var warning in answer?["warnings"] as JsonArray ?? [])
            render.Note($"warning {Renderer.Text(warning?["pointer"])}: {Renderer.Text(warning?["message"])}");

        if (answer?["noChange"]?.GetValue<bool>() == true)
        {
            render.Note($"no change: revision {number} already has these settings");
            if (render.Format != OutputFormat.Table) render.Data(answer);
            return ExitCodes.Done;
        }
        var what = Renderer.Text(Renderer.At(answer, "revision.changes"));
        render.Note($"revision {number} accepted{(what is null ? "" : $": {what}")}");
        if (wait is null)
        {
            if (render.Format != OutputFormat.Table) render.Data(answer);
            return ExitCodes.Done;
        }
        return await new RevisionWatcher(context).WaitAsync(cluster, number, wait, timeout, ct);
    }

    /// <summary>Checks the patch is JSON before sending, so a shell quoting slip is a clear usage error.</summary>
    private static string JsonPatch(string? text)
    {
        try
        {
            return JsonNode.Parse(text ?? "") is JsonObject patch ? patch.ToJsonString()
                : throw new UsageException("The merge patch must be a JSON object, e.g. '{\"hubble\":{\"enabled\":true}}'.");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"The merge patch is not JSON ({ex.Message}); quote it for the shell, e.g. '{{\"hubble\":{{\"enabled\":true}}}}'.");
        }
    }
}

/// <summary>--reason, --on-behalf-of, --wait[=state], --timeout: shared by every change command.</summary>
public sealed class ChangeOptions
{
    public Option<string?> Reason { get; } = new("--reason", "-r") { Description = "Why (stored with the revision and in the commit message)." };
    public Option<string?> OnBehalfOf { get; } = new("--on-behalf-of") { Description = "The person this change is made for." };
    public Option<string?> WaitFor { get; } = new("--wait", "-w")
    {
        Description = "Wait until the revision reaches a state: --wait (Verified) or --wait=Committed|Applied|RolledOut|Verified.",
        Arity = ArgumentArity.ZeroOrOne,
    };
    public Option<string?> TimeoutText { get; } = new("--timeout", "-t") { Description = "How long to wait, e.g. 30s, 5m, 1m30s (default 10m)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Reason);
        command.Options.Add(OnBehalfOf);
        command.Options.Add(WaitFor);
        command.Options.Add(TimeoutText);
    }

    /// <summary>The state to wait for, or null without --wait.</summary>
    public string? Wait(ParseResult parsed) =>
        parsed.GetResult(WaitFor) is null ? null : RevisionWatcher.ParseState(parsed.GetValue(WaitFor));

    public TimeSpan Timeout(ParseResult parsed) => ParseTimeout(parsed.GetValue(TimeoutText));

    public static TimeSpan ParseTimeout(string? text) =>
        text is null ? TimeSpan.FromMinutes(10)
        : Duration.TryParse(text, out var value) ? value
        : throw new UsageException($"--timeout '{text}' is not a duration such as 30s, 5m or 1m30s.");
}
