using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace ControlApi.Bench;

/// <summary>
/// The read path against the framework's floor: <c>GET /api/v1/clusters/local/cilium</c> (API key,
/// current revision, adoption state, JSON) beside <c>/healthz</c> (no key, no data) of the same
/// process, driven from outside by wrk — the service runs as its own process, Release build,
/// Production logging (its log lines are read and counted), request rate limits raised so the
/// limiter is not what is measured. The two are measured alternately in one window, so a busy
/// machine slows both and the ratios stay meaningful. Without wrk on the PATH an in-process
/// HttpClient load stands in (it shares the 2 cores with the service, so its ratios read lower).
/// <para>
/// <c>reads [seconds] [--before path/to/other/ControlApi.dll]</c>: seconds per run (default 5; each
/// measure is run in three rounds, alternating); with <c>--before</c> a second build (e.g. main's)
/// is measured in the same way, first.
/// </para>
/// </summary>
public static partial class ReadPathBenchmark
{
    private const string Desired = "/api/v1/clusters/local/cilium";
    private const string Health = "/healthz";

    public static async Task RunAsync(string[] args)
    {
        var measures = await MeasureAsync(args);
        Console.WriteLine();
        BenchReport.Print(Console.Out, measures);
    }

    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var seconds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var s) ? s : 5;
        var before = args.SkipWhile(a => a != "--before").Skip(1).FirstOrDefault();
        var wrk = await WrkAvailableAsync();
        Console.WriteLine($"read path: {(wrk ? "wrk" : "in-process HttpClient (wrk not found)")}, {Rounds} rounds of {seconds} s per measure, {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var results = new List<(string Build, Measures Measures)>();
        Measures? old = before is null ? null : await MeasureAsync(Path.GetFullPath(before), seconds, wrk);
        if (old is not null) results.Add(("before", old));
        var m = await MeasureAsync(Path.Combine(AppContext.BaseDirectory, "ControlApi.dll"), seconds, wrk);
        results.Add(("this build", m));

        Console.WriteLine();
        Console.WriteLine("| measure | build | /healthz | GET desired | ratio | goal |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (build, r) in results)
        {
            Console.WriteLine($"| throughput, 64 connections | {build} | {r.Health64.PerSecond:0} req/s | {r.Get64.PerSecond:0} req/s | {r.Get64.PerSecond / r.Health64.PerSecond:0.00} | ≥ 0.5 |");
            Console.WriteLine($"| p99, 4 connections | {build} | {r.Health4.P99Ms:0.00} ms | {r.Get4.P99Ms:0.00} ms | {r.Get4.P99Ms / r.Health4.P99Ms:0.0}× | GET ≤ 5 ms |");
            Console.WriteLine($"| one connection, per request | {build} | {r.Health1.PerSecond:0} req/s, p50 {r.Health1.P50Ms:0.00} ms | {r.Get1.PerSecond:0} req/s, p50 {r.Get1.P50Ms:0.00} ms | {r.Health1.PerSecond / r.Get1.PerSecond:0.00}× | ≤ 2× |");
            Console.WriteLine($"| log lines per request | {build} | | | {r.LogLinesPerRequest:0.00} | 1 |");
        }
        Console.WriteLine($"load average after: {LoadAverage()}");

        const string baselineName = "the --before build";
        return
        [
            new("GET …/cilium ÷ /healthz throughput, 64 connections", m.Get64.PerSecond / m.Health64.PerSecond, "×", Better.Higher, 0.5,
                old is null ? null : old.Get64.PerSecond / old.Health64.PerSecond, baselineName),
            new("GET …/cilium p99, 4 connections", m.Get4.P99Ms, "ms", Better.Lower, 5, old?.Get4.P99Ms, baselineName),
            new("one connection: time per GET …/cilium ÷ per /healthz", m.Health1.PerSecond / m.Get1.PerSecond, "×", Better.Lower, 2,
                old is null ? null : old.Health1.PerSecond / old.Get1.PerSecond, baselineName),
            new("log lines per request", m.LogLinesPerRequest, "lines", Better.Lower, 1, old?.LogLinesPerRequest, baselineName),
        ];
    }

    private sealed record Run(double PerSecond, double P50Ms, double P99Ms, long Requests);

    private sealed record Measures(Run Health64, Run Get64, Run Health4, Run Get4, Run Health1, Run Get1, double LogLinesPerRequest);

    private static async Task<Measures> MeasureAsync(string dll, int seconds, bool wrk)
    {
        var data = Directory.CreateTempSubdirectory("controlapi-reads-").FullName;
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        long logLines = 0;
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["URLS"] = baseUrl,
                ["ControlApi__DataDirectory"] = data,
                ["ControlApi__Security__RateLimits__PerKey"] = "1000000000",
                ["ControlApi__Security__RateLimits__PerAddress"] = "1000000000",
            },
        };
        // No CONTROLAPI_ADMIN_KEY: the first start stores an admin key, so requests take the stored-key path a client's key takes.
        start.Environment.Remove("CONTROLAPI_ADMIN_KEY");
        using var service = Process.Start(start)!;
        service.OutputDataReceived += (_, e) => { if (e.Data is not null) Interlocked.Increment(ref logLines); };
        service.ErrorDataReceived += (_, e) => { if (e.Data is not null) Interlocked.Increment(ref logLines); };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
            await WaitUntilReadyAsync(http);
            var key = (await File.ReadAllTextAsync(Path.Combine(data, "admin-key"))).Trim();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            // A stored revision to read, committed before the load starts.
            using var patch = new StringContent("""{"l7Proxy": false}""", Encoding.UTF8, "application/merge-patch+json");
            (await http.PatchAsync(Desired, patch)).EnsureSuccessStatusCode();
            (await http.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s")).EnsureSuccessStatusCode();

            var health = $"{baseUrl}{Health}";
            var desired = $"{baseUrl}{Desired}";
            // Warm-up: JIT, tiered compilation, connection pools.
            await LoadAsync(wrk, health, null, 16, 3);
            await LoadAsync(wrk, desired, key, 16, 3);

            var linesBefore = Interlocked.Read(ref logLines);
            var runs = new Dictionary<(string Url, int Connections), List<Run>>();
            // Short runs, alternating, several rounds: on a shared machine the load moves within
            // seconds, and each pair of neighbouring runs sees about the same machine.
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var connections in new[] { 64, 4, 1 })
                {
                    foreach (var (url, withKey) in new[] { (health, (string?)null), (desired, key) })
                    {
                        var run = await LoadAsync(wrk, url, withKey, connections, seconds);
                        (runs.TryGetValue((url, connections), out var list) ? list : runs[(url, connections)] = []).Add(run);
                    }
                }
            }
            // Console logging is asynchronous: let the queue drain before counting.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var requests = runs.Values.SelectMany(r => r).Sum(r => r.Requests);
            var perRequest = (double)(Interlocked.Read(ref logLines) - linesBefore) / requests;
            Run Of(string url, int connections) => Combine(runs[(url, connections)]);
            return new Measures(Of(health, 64), Of(desired, 64), Of(health, 4), Of(desired, 4), Of(health, 1), Of(desired, 1), perRequest);
        }
        finally
        {
            if (!service.HasExited)
            {
                service.Kill(entireProcessTree: true);
                await service.WaitForExitAsync();
            }
            Directory.Delete(data, recursive: true);
        }
    }

    private const int Rounds = 3;

    /// <summary>Rounds of one measure as one: throughput over all of them, the median round's percentiles.</summary>
    private static Run Combine(List<Run> rounds) => new(
        rounds.Average(r => r.PerSecond),
        Stats.Percentile(rounds.Select(r => r.P50Ms).ToList(), 0.5),
        Stats.Percentile(rounds.Select(r => r.P99Ms).ToList(), 0.5),
        rounds.Sum(r => r.Requests));

    private static Task<Run> LoadAsync(bool wrk, string url, string? key, int connections, int seconds) =>
        wrk ? WrkAsync(url, key, connections, seconds) : InProcessAsync(url, key, connections, seconds);

    private static async Task<Run> WrkAsync(string url, string? key, int connections, int seconds)
    {
        var arguments = new List<string> { $"-t{Math.Min(connections, 2)}", $"-c{connections}", $"-d{seconds}s", "--latency" };
        if (key is not null) arguments.AddRange(["-H", $"Authorization: Bearer {key}"]);
        arguments.Add(url);
        var result = await Cli.Wrap("wrk").WithArguments(arguments).ExecuteBufferedAsync();
        var output = result.StandardOutput;
        if (NonSuccess().Match(output) is { Success: true } failed)
            throw new InvalidOperationException($"{url}: {failed.Groups[1].Value} answers were not 2xx:\n{output}");
        return new Run(
            double.Parse(PerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(Percentile(50).Match(output)),
            Milliseconds(Percentile(99).Match(output)),
            long.Parse(Total().Match(output).Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static Regex Percentile(int p) => new($@"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);

    private static double Milliseconds(Match match)
    {
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex PerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Total();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    /// <summary>Closed-loop load like wrk's: each connection sends its next request when the answer is read.</summary>
    private static async Task<Run> InProcessAsync(string url, string? key, int connections, int seconds)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler);
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var latencies = new List<double>[connections];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
        {
            var mine = latencies[i] = [];
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(url);
                await response.Content.CopyToAsync(Stream.Null);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}");
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).ToList();
        return new Run(all.Count / clock.Elapsed.TotalSeconds, Stats.Percentile(all, 0.5), Stats.Percentile(all, 0.99), all.Count);
    }

    private static async Task<bool> WrkAvailableAsync()
    {
        try
        {
            await Cli.Wrap("wrk").WithArguments(["--version"]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            return true;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // CliWrap reports a program it cannot start as either, depending on the platform.
            return false;
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
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

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
