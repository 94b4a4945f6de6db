using System.CommandLine;
using System.Text.Json.Nodes;

namespace ControlApi.Cli.Commands;

/// <summary>audit: the audit history, or with --follow the live event stream (Server-Sent Events).</summary>
public static class AuditCommands
{
    public static IEnumerable<Command> Build(CliRuntime runtime)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing events as they happen (the live event stream) until interrupted." };
        var kind = new Option<string?>("--kind") { Description = "Only this kind, or a prefix ending with a dot (e.g. rollout.)." };
        var revision = new Option<int?>("--revision") { Description = "Only events of this revision." };
        var person = new Option<string?>("--person") { Description = "Only what this person did or had done for them." };
        var limit = new Option<int>("--limit", "-n") { Description = "How many events, newest first (without --follow).", DefaultValueFactory = _ => 50 };
        var allClusters = new Option<bool>("--all-clusters") { Description = "Events of every cluster and none (key and webhook events)." };
        var audit = new Command("audit", "The audit history of a cluster, newest first; --follow streams new events.")
            { follow, kind, revision, person, limit, allClusters };
        Column[] columns = [Column.Of("ID", "id"), Column.Time("TIME", "time"), Column.Of("KIND", "kind"), Column.Of("REV", "revision"),
            new("WHO", e => Renderer.Text(e?["person"]) ?? Renderer.Text(e?["actor"])), Column.Of("SUMMARY", "summary")];

        audit.SetAction(runtime.Handler(async (parsed, context, ct) =>
        {
            var query = new List<string>();
            if (!parsed.GetValue(allClusters)) query.Add($"cluster={Uri.EscapeDataString(await context.ClusterAsync(ct))}");
            if (parsed.GetValue(kind) is { } k) query.Add($"kind={Uri.EscapeDataString(k)}");
            if (parsed.GetValue(revision) is { } r) query.Add($"revision={r}");
            if (parsed.GetValue(person) is { } p) query.Add($"person={Uri.EscapeDataString(p)}");
            if (!parsed.GetValue(follow))
            {
                query.Add($"limit={parsed.GetValue(limit)}");
                var page = await context.Api.GetAsync($"audit?{string.Join('&', query)}", ct);
                if (context.Render.Format != OutputFormat.Table) context.Render.Data(page);
                else context.Render.List(page?["items"], columns);
                return ExitCodes.Done;
            }
            return await FollowAsync(context, $"events?{string.Join('&', query)}", columns, ct);
        }));
        return [audit];
    }

    /// <summary>
    /// Prints each event as it arrives: a table row for people, one JSON object a line (NDJSON) for
    /// programs. When the service ends the stream (a restart), it reconnects once with Last-Event-ID
    /// so nothing is lost or repeated; Ctrl+C ends it with exit 0.
    /// </summary>
    private static async Task<int> FollowAsync(CliContext context, string path, Column[] columns, CancellationToken ct)
    {
        string? lastId = null;
        var received = true;
        while (received && !ct.IsCancellationRequested)
        {
            var (response, failure) = await context.Api.OpenStreamAsync(path, lastId, ct);
            if (failure is not null) throw new ApiAnswerException(failure);
            received = false;
            using (response)
            {
                try
                {
                    using var reader = new StreamReader(await response!.Content.ReadAsStreamAsync(ct));
                    string? id = null, data = null;
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line.StartsWith("id:", StringComparison.Ordinal)) id = line[3..].Trim();
                        else if (line.StartsWith("data:", StringComparison.Ordinal)) data = line[5..].TrimStart();
                        else if (line.Length == 0 && data is not null)
                        {
                            Print(context.Render, JsonNode.Parse(data), columns);
                            (lastId, data, received) = (id ?? lastId, null, true);
                        }
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return ExitCodes.Done;
                }
                catch (IOException ex)
                {
                    context.Render.Console.Error.WriteLine($"the event stream broke ({ex.Message}); reconnecting after event {lastId ?? "none"}");
                }
            }
        }
        return ExitCodes.Done;
    }

    private static void Print(Renderer render, JsonNode? item, Column[] columns)
    {
        if (render.Format == OutputFormat.Json) render.Console.Out.WriteLine(item?.ToJsonString());
        else if (render.Format == OutputFormat.Yaml) render.Console.Out.Write("---\n" + Renderer.Yaml(item));
        else render.Console.Out.WriteLine(string.Join("  ", columns.Select(c => c.Read(item) ?? "-")));
        render.Console.Out.Flush();
    }
}
