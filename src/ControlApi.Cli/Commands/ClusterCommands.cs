using System.CommandLine;
using System.Text.Json.Nodes;

namespace ControlApi.Cli.Commands;

/// <summary>clusters, get, status, reconcile: what is managed and how it is doing.</summary>
public static class ClusterCommands
{
    public static IEnumerable<Command> Build(CliRuntime runtime)
    {
        var clusters = new Command("clusters", "List the clusters the service manages.");
        clusters.SetAction(runtime.Handler(async (_, context, ct) =>
        {
            context.Render.List(await context.Api.GetAsync("clusters", ct),
                Column.Of("CLUSTER", "id"), Column.Of("NAME", "displayName"), Column.Of("REVISION", "currentRevision"),
                Column.Of("KUBERNETES", "kubernetes.status"), Column.Of("REPOSITORY", "gitOps.repository"));
            return ExitCodes.Done;
        }));

        var name = new Argument<string?>("cluster") { Description = "The cluster (default: --cluster or the only one).", Arity = ArgumentArity.ZeroOrOne };
        var get = new Command("get", "Show a cluster's desired Cilium settings.") { name };
        get.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var cluster = parsed.GetValue(name) ?? await context.ClusterAsync(ct);
            var desired = await context.Api.GetAsync($"{CliContext.PathOf(cluster)}/cilium", ct);
            if (context.Render.Format != OutputFormat.Table) { context.Render.Data(desired); return ExitCodes.Done; }
            context.Render.Note($"cluster {cluster}, revision {Renderer.Text(desired?["revision"])} ({Renderer.Text(desired?["state"]) ?? "defaults"})");
            context.Render.Note(Renderer.Yaml(desired?["settings"]).TrimEnd());
            return ExitCodes.Done;
        }));

        var status = new Command("status", "Show what the cluster runs: Flux, the rollout, drift, and revisions still on their way.");
        status.SetAction(runtime.Handler(async (_, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            var answer = await context.Api.GetAsync($"{CliContext.PathOf(cluster)}/status", ct);
            var ds = Renderer.At(answer, "observation.daemonSet");
            context.Render.Item(answer,
                ("cluster", cluster),
                ("connected", Renderer.Text(answer?["connected"])),
                ("status", Renderer.Text(answer?["status"])),
                ("summary", Renderer.Text(answer?["summary"])),
                ("observed", Renderer.Text(answer?["observedAt"])),
                ("rollout", ds is JsonObject ? $"{Renderer.Text(ds["updated"])}/{Renderer.Text(ds["desired"])} updated" : null),
                ("tracking", Tracking(answer?["tracking"] as JsonArray)));
            return ExitCodes.Done;
        }));

        var reconcile = new Command("reconcile", "Ask Flux to reconcile now and poll the cluster (needs Kubernetes access).");
        reconcile.SetAction(runtime.Handler(async (_, context, ct) =>
        {
            var cluster = await context.ClusterAsync(ct);
            var answer = await ApiClient.RequireAsync(context.Api.SendAsync(HttpMethod.Post, $"{CliContext.PathOf(cluster)}/reconcile", null, null, null, ct));
            context.Render.Item(answer, ("status", Renderer.Text(answer?["status"])), ("message", Renderer.Text(answer?["message"])));
            return ExitCodes.Done;
        }));

        return [clusters, get, status, reconcile];
    }

    /// <summary>Revisions still on their way, one a line: "3 Committed, waiting: Flux to apply the commit".</summary>
    private static string? Tracking(JsonArray? tracking) => tracking is not { Count: > 0 } ? null
        : string.Join("\n           ", tracking.Select(t =>
            $"revision {Renderer.Text(t?["revision"])} {Renderer.Text(t?["state"])}{(Renderer.Text(t?["waiting"]) is { } waiting ? $", waiting: {waiting}" : "")}"));
}
