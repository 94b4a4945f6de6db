using System.Diagnostics;
using System.Text.Json.Nodes;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Persistence;

/// <summary>
/// Moving an installation's history: the real binary's <c>export</c> from one SQLite data directory
/// and <c>import</c> into another; the service on the new one serves the same revisions, accepts
/// the same keys and its audit chain verifies. (Into PostgreSQL: tested with the PostgreSQL provider.)
/// </summary>
public sealed class HistoryTransferTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Configuration() => new() { ["ControlApi:Clusters:0:GitOps:Repository"] = _temp.Combine("fleet.git") };

    [Fact]
    public async Task Export_then_import_into_an_empty_data_directory_serves_the_same_revisions_with_a_verified_chain()
    {
        var source = Directory.CreateDirectory(_temp.Combine("sqlite-a")).FullName;
        var target = Directory.CreateDirectory(_temp.Combine("sqlite-b")).FullName;
        var file = _temp.Combine("history.json");

        string viewerKey;
        JsonNode before;
        long events;
        using (var service = new ControlApiFactory(Configuration(), source))
        {
            var client = service.CreateClient(Role.Operator);
            await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
            await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":false}}"""));
            await Eventually.WaitAsync(() => RevisionAsync(client, 2)!, r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(45), "revision 2 committed");
            viewerKey = service.KeyFor(Role.Viewer);
            before = await RevisionsAsync(service.CreateClient(viewerKey));
            events = (long)(await (await client.GetAsync("/api/v1/audit/verify")).ReadJsonAsync())["checked"]!;
        }

        Assert.Equal(0, await RunAsync(source, "export", "--to", file));
        Assert.Equal(0, await RunAsync(target, "import", "--from", file));
        // Only into an empty database.
        Assert.Equal(1, await RunAsync(target, "import", "--from", file));

        using var moved = new ControlApiFactory(Configuration(), target);
        var viewer = moved.CreateClient(viewerKey); // the same key: keys move with the history
        Assert.Equal(before.ToJsonString(), (await RevisionsAsync(viewer)).ToJsonString());
        var verify = await (await viewer.GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.True((bool)verify["ok"]!);
        Assert.True((long)verify["checked"]! >= events);
    }

    [Fact]
    public async Task A_file_whose_audit_chain_does_not_verify_is_refused_and_nothing_is_imported()
    {
        var source = Directory.CreateDirectory(_temp.Combine("sqlite-a")).FullName;
        var target = Directory.CreateDirectory(_temp.Combine("sqlite-b")).FullName;
        var file = _temp.Combine("history.json");
        using (var service = new ControlApiFactory(Configuration(), source))
        {
            var client = service.CreateClient(Role.Operator);
            await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
            await Eventually.WaitAsync(() => RevisionAsync(client, 1)!, r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(45), "revision 1 committed");
        }
        Assert.Equal(0, await RunAsync(source, "export", "--to", file));

        // One audit summary edited after the fact.
        var history = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        var edited = history["auditEvents"]!.AsArray().First(e => (string?)e!["kind"] == "change.accepted")!;
        edited["summary"] = (string)edited["summary"]! + " (edited)";
        await File.WriteAllTextAsync(file, history.ToJsonString());

        Assert.Equal(1, await RunAsync(target, "import", "--from", file));
        using var empty = new ControlApiFactory(Configuration(), target);
        var revisions = await (await empty.CreateClient(Role.Viewer).GetAsync("/api/v1/clusters/local/revisions")).ReadJsonAsync();
        Assert.DoesNotContain("hostFirewall", revisions.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<JsonNode> RevisionAsync(HttpClient client, int number) =>
        await (await client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync();

    // Each revision as served, timeline included.
    private static async Task<JsonNode> RevisionsAsync(HttpClient client) =>
        new JsonArray(await RevisionAsync(client, 1), await RevisionAsync(client, 2));

    /// <summary>The published binary's command, on a data directory, as an operator would run it.</summary>
    private async Task<int> RunAsync(string dataDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ControlApi__DataDirectory"] = dataDirectory,
                ["ControlApi__Clusters__0__GitOps__Repository"] = _temp.Combine("fleet.git"),
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine(await output + await error);
        return process.ExitCode;
    }
}
