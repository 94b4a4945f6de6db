using System.Diagnostics;
using System.Net;
using CliWrap;
using CliWrap.Buffered;
using ControlApi.Core.Settings;

namespace ControlApi.Bench;

/// <summary>
/// A burst of writers: <c>writers</c> concurrent PUTs of distinct settings (each another Hubble UI
/// hostname, so each is a new revision with a commit of its own) against one replica on SQLite, one
/// on PostgreSQL, and two replicas on one PostgreSQL database and one remote with the writers
/// alternating between them. For each: accepted changes per second (from the burst's start to the
/// last answer), p50 and p99 of the accepting request, and the time from the burst's start until
/// the last of its revisions is pushed. The replicas share this process, its cores, the database
/// server and git: a second replica here shows what coordinating through the database costs, not
/// the capacity a second machine would add.
/// </summary>
/// <remarks>
/// Options: <c>[writers] [--before &lt;ControlApi.Bench.dll of an older build&gt;] [--sqlite-only | --postgresql-only]</c>
/// (<c>--before</c> passes the engine option on: an older bench that does not know it measures both).
/// The service runs in this process, so an older build cannot be loaded beside this one; with
/// <c>--before</c> its own bench runs the same burst as a child process first (same machine, same
/// minute) and its table is read back as the baseline.
/// </remarks>
public static class BurstBenchmark
{
    private const string ChangesPerSecond = "200 concurrent distinct changes: changes/s";
    private const string P99 = "200 concurrent distinct changes: p99 of the accepting request";

    public static async Task RunAsync(string[] args)
    {
        var (writers, results, before) = await RunBurstsAsync(args);
        if (before is not null)
        {
            Console.WriteLine("baseline (--before):");
            Print(writers, before);
            Console.WriteLine("this build:");
        }
        Print(writers, results);
        BenchReport.Print(Console.Out, Rows(results, before));
    }

    /// <summary>Changes/s and p99 per setup (SQLite; PostgreSQL when a server is available), beside the <c>--before</c> build's when given.</summary>
    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var (_, results, before) = await RunBurstsAsync(args);
        return Rows(results, before);
    }

    private static IReadOnlyList<BenchMeasure> Rows(List<BurstResult> results, List<BurstResult>? before)
    {
        var rows = new List<BenchMeasure>();
        foreach (var r in results)
        {
            var baseline = before?.FirstOrDefault(b => b.Setup == r.Setup);
            rows.Add(new BenchMeasure($"{ChangesPerSecond} ({r.Setup})", r.ChangesPerSecond, "changes/s", Better.Higher, 100,
                baseline?.ChangesPerSecond, baseline is null ? null : "--before build"));
            rows.Add(new BenchMeasure($"{P99} ({r.Setup})", r.P99 / 1000, "s", Better.Lower, 2,
                baseline is null ? null : baseline.P99 / 1000, baseline is null ? null : "--before build"));
        }
        return rows;
    }

    private static async Task<(int Writers, List<BurstResult> Results, List<BurstResult>? Before)> RunBurstsAsync(string[] args)
    {
        var options = args.ToList();
        string? beforeDll = null;
        if (options.IndexOf("--before") is >= 0 and var at && at + 1 < options.Count)
        {
            beforeDll = Path.GetFullPath(options[at + 1]);
            options.RemoveRange(at, 2);
        }
        var sqliteOnly = options.Remove("--sqlite-only");
        var postgreSqlOnly = options.Remove("--postgresql-only");
        var writers = options.Count > 0 ? int.Parse(options[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
        var before = beforeDll is null ? null : await RunBeforeAsync(beforeDll, writers, sqliteOnly ? "--sqlite-only" : postgreSqlOnly ? "--postgresql-only" : null);
        var root = Directory.CreateTempSubdirectory("controlapi-bench-burst-").FullName;
        try
        {
            var results = new List<BurstResult>();
            if (!postgreSqlOnly)
            {
                using var database = BenchDatabase.Sqlite();
                results.Add(await MeasureSetupAsync(Path.Combine(root, "sqlite"), database, replicas: 1, writers));
            }
            if (!sqliteOnly && BenchDatabase.TryPostgreSql() is { } single)
            {
                using (single)
                    results.Add(await MeasureSetupAsync(Path.Combine(root, "postgresql-1"), single, replicas: 1, writers));
                using var shared = BenchDatabase.PostgreSql();
                results.Add(await MeasureSetupAsync(Path.Combine(root, "postgresql-2"), shared, replicas: 2, writers));
            }
            return (writers, results, before);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// The older build's own burst, run as a child process; its printed table is the baseline (p50
    /// and p99 in ms, as every version of this bench prints them). Its log lines go to a file, not here.
    /// </summary>
    private static async Task<List<BurstResult>> RunBeforeAsync(string dll, int writers, string? engine)
    {
        string[] arguments = [dll, "burst", writers.ToString(System.Globalization.CultureInfo.InvariantCulture), .. engine is null ? [] : new[] { engine }];
        var run = await Cli.Wrap("dotnet").WithArguments(arguments)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        if (run.ExitCode != 0) throw new InvalidOperationException($"The --before bench failed ({run.ExitCode}): {run.StandardError[^Math.Min(2000, run.StandardError.Length)..]}");
        var results = new List<BurstResult>();
        foreach (var line in run.StandardOutput.Split('\n'))
        {
            // "1 replica, SQLite                   200       21.4   4555.6   9191.7          58.7"
            var match = System.Text.RegularExpressions.Regex.Match(line,
                @"^(?<setup>\d+ replicas?, \w+)\s+(?<accepted>\d+)\s+(?<rate>[\d.]+)\s+(?<p50>[\d.]+)\s+(?<p99>[\d.]+)\s+(?<pushed>[\d.]+)\s*$");
            if (!match.Success) continue;
            double Number(string group) => double.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
            var accepted = int.Parse(match.Groups["accepted"].Value, System.Globalization.CultureInfo.InvariantCulture);
            results.Add(new BurstResult(match.Groups["setup"].Value, accepted, "", accepted / Number("rate"), [], Number("pushed"))
            {
                Printed = (Number("p50"), Number("p99")),
            });
        }
        if (results.Count == 0) throw new InvalidOperationException("The --before bench printed no burst table.");
        return results;
    }

    private sealed record BurstResult(string Setup, int Accepted, string Refused, double Seconds, IReadOnlyList<double> LatenciesMs, double AllPushedSeconds)
    {
        /// <summary>Percentiles as another build's bench printed them, where the latencies themselves are not at hand.</summary>
        public (double P50, double P99)? Printed { get; init; }

        public double ChangesPerSecond => Accepted / Seconds;
        public double P50 => Printed?.P50 ?? Stats.Percentile(LatenciesMs, 0.5);
        public double P99 => Printed?.P99 ?? Stats.Percentile(LatenciesMs, 0.99);
    }

    private static async Task<BurstResult> MeasureSetupAsync(string directory, BenchDatabase database, int replicas, int writers)
    {
        var remote = Path.Combine(Directory.CreateDirectory(directory).FullName, "fleet.git");
        await Cli.Wrap("git").WithArguments(["init", "--quiet", "--bare", "--initial-branch=main", remote]).ExecuteBufferedAsync();
        // A remote someone else provides (file://), as deployed replicas share one; none of them creates it.
        var services = Enumerable.Range(1, replicas)
            .Select(n => new BenchService(Path.Combine(directory, $"data-{n}"), "file://" + remote, database.SettingsFor(n)))
            .ToList();
        try
        {
            var clients = services.Select(service => service.CreateClient()).ToList();
            // One change through each replica first, pushed, so JIT, pools and working copies are warm.
            for (var replica = 0; replica < replicas; replica++)
            {
                var (status, _) = await WriteAsync(clients[replica], Body($"warm-up-{replica}"));
                if (status != HttpStatusCode.Accepted) throw new InvalidOperationException($"The warm-up change was answered {(int)status}.");
                await services[0].WaitForCommitsAsync(replica + 1, replica + 1, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(20));
            }

            var bodies = Enumerable.Range(1, writers).Select(writer => Body($"writer-{writer}")).ToList();
            // Every writer waits at the gate so all of them send at once rather than in order of creation.
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writes = Enumerable.Range(0, writers).Select(async writer =>
            {
                await gate.Task;
                return await WriteAsync(clients[writer % replicas], bodies[writer]);
            }).ToList();
            var startedAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            gate.SetResult();
            var answers = await Task.WhenAll(writes);
            var seconds = clock.Elapsed.TotalSeconds;

            var accepted = answers.Where(a => a.Status == HttpStatusCode.Accepted).ToList();
            var refused = string.Join(", ", answers.Where(a => a.Status != HttpStatusCode.Accepted)
                .GroupBy(a => (int)a.Status).Select(g => $"{g.Count()}× {g.Key}"));
            // Revision numbers are gap-free, so the accepted ones are the next numbers after the warm-ups.
            var pushed = await services[0].WaitForCommitsAsync(replicas + 1, replicas + accepted.Count, TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(500));
            var allPushed = (pushed.Max(p => p.Pushed) - startedAt).TotalSeconds;
            var setup = $"{replicas} {(replicas == 1 ? "replica" : "replicas")}, {database.Engine}";
            return new BurstResult(setup, accepted.Count, refused, seconds, accepted.Select(a => a.Milliseconds).ToList(), allPushed);
        }
        finally
        {
            foreach (var service in services) await service.DisposeAsync();
        }
    }

    private static string Body(string name) => SettingsJson.Serialize(CiliumSettings.Defaults with
    {
        Hubble = CiliumSettings.Defaults.Hubble with
        {
            Relay = true,
            Ui = new HubbleUiSettings { Enabled = true, ServiceType = ServiceType.LoadBalancer, Hostname = $"hubble-{name}.bench.example" },
        },
    });

    private static async Task<(HttpStatusCode Status, double Milliseconds)> WriteAsync(HttpClient client, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var clock = Stopwatch.StartNew();
        using var response = await client.PutAsync($"/api/v1/clusters/{BenchService.Cluster}/cilium", content);
        return (response.StatusCode, clock.Elapsed.TotalMilliseconds);
    }

    private static void Print(int writers, List<BurstResult> results)
    {
        Console.WriteLine($"{writers}-writer burst: {writers} concurrent PUTs of distinct settings, each a new revision and commit of one cluster");
        Console.WriteLine($"{"setup",-30} {"accepted",8} {"changes/s",10} {"p50 ms",8} {"p99 ms",8} {"all pushed s",13}");
        foreach (var r in results)
            Console.WriteLine($"{r.Setup,-30} {r.Accepted,8} {r.ChangesPerSecond,10:0.0} {r.P50,8:0.0} {r.P99,8:0.0} {r.AllPushedSeconds,13:0.0}");
        if (results is [_, var one, var two])
            Console.WriteLine($"{"2 replicas / 1 (PostgreSQL)",-30} {"",8} {two.ChangesPerSecond / one.ChangesPerSecond,9:0.00}× {two.P50 / one.P50,7:0.00}× {two.P99 / one.P99,7:0.00}× {two.AllPushedSeconds / one.AllPushedSeconds,12:0.00}×");
        foreach (var r in results.Where(r => r.Refused.Length > 0))
            Console.WriteLine($"{r.Setup}: not accepted: {r.Refused}");
    }
}
