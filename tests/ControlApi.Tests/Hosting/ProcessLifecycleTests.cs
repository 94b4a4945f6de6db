using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CliWrap;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Hosting;

/// <summary>The service as a pod runs it: its own process, Production logs, SIGTERM to stop.</summary>
public sealed class ProcessLifecycleTests : IDisposable
{
    private static readonly string AdminKey = "process-test-" + Guid.NewGuid().ToString("N");
    private readonly string _data = Directory.CreateTempSubdirectory("controlapi-process-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task In_production_it_logs_one_json_line_per_request_and_stops_cleanly_on_SIGTERM()
    {
        var port = FreePorts.Next();
        var output = new List<string>();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["URLS"] = $"http://127.0.0.1:{port}",
                ["ControlApi__DataDirectory"] = _data,
                ["CONTROLAPI_ADMIN_KEY"] = AdminKey,
            },
        };
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            await WaitUntilAnsweringAsync(http);
            var response = await http.GetAsync("/api/v1/clusters/local/cilium?secret=do-not-log-me");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/clusters/local/cilium")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            using var stranger = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clusters/local/cilium");
            stranger.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "cak_0123456789abcdef_" + new string('A', 43));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(stranger)).StatusCode);

            await Cli.Wrap("kill").WithArguments(["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExecuteAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            await process.WaitForExitAsync(deadline.Token);

            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        string[] lines;
        lock (output) lines = [.. output];
        var json = lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(json);
        // Every line a request wrote, by the request id in its scope: a read writes its access line and nothing else.
        var byRequest = json.Select(l => (Line: l, Request: RequestIdOf(l))).Where(l => l.Request is not null)
            .GroupBy(l => l.Request!, l => l.Line).ToList();
        Assert.All(byRequest, request => Assert.Single(request));
        // The start-up wait's /readyz polls aside: the four requests above.
        var access = byRequest.Select(r => r.Single()).Where(l => l.GetProperty("State").GetProperty("Path").GetString() != "/readyz").ToList();
        Assert.Equal(4, access.Count);
        Assert.All(access, l => Assert.Equal("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", l.GetProperty("Category").GetString()));
        Assert.All(access, l => Assert.Contains(l.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("TraceId", out _)));
        var reads = access.Where(l => l.GetProperty("State").GetProperty("Path").GetString() == "/api/v1/clusters/local/cilium").ToList();
        Assert.Equal(3, reads.Count);
        Assert.All(reads, l =>
        {
            var state = l.GetProperty("State");
            Assert.Equal("GET", state.GetProperty("Method").GetString());
            Assert.True(state.GetProperty("Duration").GetDouble() > 0);
        });
        Assert.Equal([200, 200, 401], reads.Select(l => l.GetProperty("State").GetProperty("StatusCode").GetInt32()).Order());
        Assert.Equal(2, reads.Count(l => l.GetProperty("State").GetProperty("KeyId").GetString() == "bootstrap"));
        // A key nobody issued names no key.
        Assert.Single(reads, l => l.GetProperty("State").GetProperty("KeyId").GetString() == "-");
        Assert.Single(access, l => l.GetProperty("State").GetProperty("Path").GetString() == "/healthz"
            && l.GetProperty("State").GetProperty("KeyId").GetString() == "-");
        Assert.DoesNotContain(lines, l => l.Contains("do-not-log-me", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(AdminKey, StringComparison.Ordinal));
        Assert.Contains(json, l => l.GetProperty("Message").GetString()!.Contains("Application is shutting down", StringComparison.Ordinal));
    }

    private static string? RequestIdOf(JsonElement line) =>
        line.TryGetProperty("Scopes", out var scopes)
            ? scopes.EnumerateArray().Select(s => s.TryGetProperty("RequestId", out var id) ? id.GetString() : null).FirstOrDefault(id => id is not null)
            : null;

    private static async Task WaitUntilAnsweringAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The service did not become ready within a minute.");
    }

}
