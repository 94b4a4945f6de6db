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
public static class BurstBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var writers = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
        var root = Directory.CreateTempSubdirectory("controlapi-bench-burst-").FullName;
        try
        {
            var results = new List<BurstResult>();
            using (var database = BenchDatabase.Sqlite())
                results.Add(await MeasureAsync(Path.Combine(root, "sqlite"), database, replicas: 1, writers));
            if (BenchDatabase.TryPostgreSql() is { } single)
            {
                using (single)
                    results.Add(await MeasureAsync(Path.Combine(root, "postgresql-1"), single, replicas: 1, writers));
                using var shared = BenchDatabase.PostgreSql();
                results.Add(await MeasureAsync(Path.Combine(root, "postgresql-2"), shared, replicas: 2, writers));
            }
            Print(writers, results);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed record BurstResult(string Setup, int Accepted, string Refused, double Seconds, IReadOnlyList<double> LatenciesMs, double AllPushedSeconds)
    {
        public double ChangesPerSecond => Accepted / Seconds;
        public double P50 => Stats.Percentile(LatenciesMs, 0.5);
        public double P99 => Stats.Percentile(LatenciesMs, 0.99);
    }

    private static async Task<BurstResult> MeasureAsync(string directory, BenchDatabase database, int replicas, int writers)
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
