using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CliWrap;

namespace ControlApi.Tests.Hosting;

/// <summary>The service as a pod runs it: its own process, Production logs, SIGTERM to stop.</summary>
public sealed class ProcessLifecycleTests : IDisposable
{
    private static readonly string AdminKey = "process-test-" + Guid.NewGuid().ToString("N");
    private readonly string _data = Directory.CreateTempSubdirectory("controlapi-process-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task In_production_it_logs_json_lines_per_request_and_stops_cleanly_on_SIGTERM()
    {
        var port = FreePort();
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
        var request = json.Single(l => l.GetProperty("Category").GetString() == "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"
            && l.GetProperty("Message").GetString()!.Contains("/api/v1/clusters/local/cilium", StringComparison.Ordinal));
        var message = request.GetProperty("Message").GetString()!;
        Assert.Contains("StatusCode: 200", message);
        Assert.Contains("Duration", message);
        Assert.Contains(request.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("TraceId", out _));
        Assert.Contains(request.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("RequestId", out _));
        Assert.DoesNotContain(lines, l => l.Contains("do-not-log-me", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(AdminKey, StringComparison.Ordinal));
        Assert.Contains(json, l => l.GetProperty("Message").GetString()!.Contains("Application is shutting down", StringComparison.Ordinal));
    }

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
