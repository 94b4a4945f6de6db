using System.CommandLine;
using System.Text.Json.Nodes;

namespace ControlApi.Cli.Commands;

/// <summary>history, diff, wait: the numbered revisions of a cluster.</summary>
public static class RevisionCommands
{
    public static IEnumerable<Command> Build(CliRuntime runtime)
    {
        var limit = new Option<int>("--limit", "-n") { Description = "How many revisions, newest first (1..500).", DefaultValueFactory = _ => 20 };
        var history = new Command("history", "List revisions newest first: state, who, why, what changed.") { limit };
        history.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            var page = await context.Api.GetAsync($"{CliContext.PathOf(cluster)}/revisions?limit={parsed.GetValue(limit)}", ct);
            if (context.Render.Format != OutputFormat.Table) { context.Render.Data(page); return ExitCodes.Done; }
            context.Render.List(page?["items"],
                Column.Of("REV", "number"), Column.Of("STATE", "state"), Column.Time("CREATED", "createdAt"), Column.Of("AUTHOR", "author"),
                new Column("REASON", r => Renderer.Text(r?["reason"]) ?? Renderer.Text(r?["stateReason"])), Column.Of("CHANGES", "changes"));
            return ExitCodes.Done;
        }));

        var revision = new Argument<int>("n") { Description = "The revision." };
        var against = new Argument<int?>("m") { Description = "Compare against this revision (default n-1; 0 = the defaults).", Arity = ArgumentArity.ZeroOrOne };
        var diff = new Command("diff", "What revision n changes against m: each setting, then the unified diff of every file.") { revision, against };
        diff.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            var m = parsed.GetValue(against);
            var answer = await context.Api.GetAsync(
                $"{CliContext.PathOf(cluster)}/revisions/{parsed.GetValue(revision)}/diff{(m is null ? "" : $"?against={m}")}", ct);
            if (context.Render.Format != OutputFormat.Table) { context.Render.Data(answer); return ExitCodes.Done; }
            context.Render.Note($"revision {Renderer.Text(answer?["revision"])} against {Renderer.Text(answer?["against"])}: {Renderer.Text(answer?["summary"])}");
            foreach (var setting in answer?["settings"] as JsonArray ?? [])
                context.Render.Note($"  {Renderer.Text(setting?["pointer"])}: {Renderer.Text(setting?["old"]) ?? "null"} -> {Renderer.Text(setting?["new"]) ?? "null"}");
            foreach (var file in answer?["files"] as JsonArray ?? [])
                context.Render.Note(Renderer.Text(file?["diff"])?.TrimEnd('\n') ?? "");
            return ExitCodes.Done;
        }));

        var waitFor = new Option<string?>("--for") { Description = "The state: Accepted, Committed, Applied, RolledOut or Verified (default)." };
        var timeout = new Option<string?>("--timeout", "-t") { Description = "How long, e.g. 30s, 5m, 1m30s (default 10m)." };
        var number = new Argument<int>("n") { Description = "The revision to wait for." };
        var wait = new Command("wait", "Wait until revision n reaches a state (default Verified), showing its progress.") { number, waitFor, timeout };
        wait.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var state = RevisionWatcher.ParseState(parsed.GetValue(waitFor));
            var limitTime = ChangeOptions.ParseTimeout(parsed.GetValue(timeout));
            var cluster = await context.ClusterAsync(ct);
            return await new RevisionWatcher(context).WaitAsync(cluster, parsed.GetValue(number), state, limitTime, ct);
        }));

        return [history, diff, wait];
    }
}
