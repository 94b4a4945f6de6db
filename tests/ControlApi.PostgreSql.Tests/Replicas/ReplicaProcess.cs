using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ControlApi.Security;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Replicas;

/// <summary>
/// One replica as a pod runs it: <c>dotnet ControlApi.dll</c> in a process of its own, configured
/// by environment variables, reached over HTTP on a loopback port. <see cref="Kill"/> is SIGKILL —
/// no shutdown hooks, no lease released, no job stopped — what a node failure or an OOM kill does.
/// </summary>
public sealed class ReplicaProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ReplicaProcess(string name, Process process, int port, string adminKey)
    {
        Name = name;
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What the replica wrote (JSON log lines), for a failing test's output.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output) return [.. _output];
        }
    }

    /// <param name="settings">Configuration keys as in appsettings (<c>ControlApi:Leases:Duration</c>), passed as environment variables.</param>
    public static ReplicaProcess Start(string name, string adminKey, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["URLS"] = $"http://127.0.0.1:{port}";
        start.Environment[SecurityOptions.AdminKeyVariable] = adminKey;
        // Tests poll the API often; the limits themselves are tested elsewhere.
        start.Environment["ControlApi__Security__RateLimits__PerKey"] = "1000000";
        start.Environment["ControlApi__Security__RateLimits__PerAddress"] = "1000000";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var replica = new ReplicaProcess(name, Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."), port, adminKey);
        replica._process.OutputDataReceived += (_, e) => replica.Keep(e.Data);
        replica._process.ErrorDataReceived += (_, e) => replica.Keep(e.Data);
        replica._process.BeginOutputReadLine();
        replica._process.BeginErrorReadLine();
        return replica;
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (database reachable, jobs running); fails at once if the process ends.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Replica {Name} exited with {_process.ExitCode} before it was ready:\n{string.Join('\n', Output.TakeLast(40))}");
            try
            {
                using var response = await Http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Replica {Name} was not ready within {timeout}:\n{string.Join('\n', Output.TakeLast(40))}");
    }

    /// <summary>SIGKILL to this process only, and waits until it is gone. Children it started (a git push) are left running, as orphans.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async Task<JsonNode> RevisionAsync(int number)
    {
        using var response = await Http.GetAsync($"/api/v1/clusters/local/revisions/{number}");
        return await response.ReadJsonAsync();
    }

    public Task<JsonNode> WaitForStateAsync(int number, string state, TimeSpan timeout) =>
        Eventually.WaitAsync(() => RevisionAsync(number)!, r => (string?)r?["state"] == state, timeout, $"revision {number} to be {state} (asked {Name})");

    /// <summary>The audit events of one revision, oldest first, as <c>GET /api/v1/audit</c> lists them.</summary>
    public async Task<List<JsonNode>> AuditOfRevisionAsync(int number)
    {
        using var response = await Http.GetAsync($"/api/v1/audit?cluster=local&revision={number}&limit=500");
        var page = await response.ReadJsonAsync();
        return page["items"]!.AsArray().Select(e => e!).Reverse().ToList();
    }

    public async Task<JsonNode> VerifyAuditAsync()
    {
        using var response = await Http.GetAsync("/api/v1/audit/verify");
        return await response.ReadJsonAsync();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // A test that failed midway leaves no replica (or git child of one) running.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

}
