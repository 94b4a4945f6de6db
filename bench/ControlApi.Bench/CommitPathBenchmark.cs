using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;

namespace ControlApi.Bench;

/// <summary>
/// Accepted → pushed through the real service (HTTP PUT, outbox, Hangfire commit job, git CLI)
/// against a local bare remote, on SQLite and then on PostgreSQL, side by side with a person's raw
/// <c>git add/commit/push</c> of the same files into another bare remote. The service's time is
/// read from the revision's own timeline (Accepted → Committed), so polling adds nothing to it.
/// </summary>
public static class CommitPathBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var measures = await MeasureAsync(args);
        Console.WriteLine();
        BenchReport.Print(Console.Out, measures);
    }

    /// <summary>
    /// <c>[rounds] [queue poll] [--busy]</c>: with <c>--busy</c> the same again while the machine is
    /// kept busy (<see cref="BusyMachine"/>), raw git included, so the ratio says what a loaded
    /// machine does to the service beyond what it does to git.
    /// </summary>
    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var rounds = positional.Length > 0 ? int.Parse(positional[0], System.Globalization.CultureInfo.InvariantCulture) : 20;
        // Optional: Jobs:QueuePollInterval for the service (e.g. 00:00:00.050); the default otherwise.
        // Only the fallback: on SQLite the enqueue wakes the worker, on PostgreSQL NOTIFY does.
        var queuePoll = positional.Length > 1 ? positional[1] : null;
        var measures = new List<BenchMeasure>();
        measures.AddRange(await MeasureOnceAsync(rounds, queuePoll, "quiet machine"));
        if (args.Contains("--busy"))
        {
            using var busy = BusyMachine.Start();
            measures.AddRange(await MeasureOnceAsync(rounds, queuePoll, $"busy machine ({busy.Describe()})"));
        }
        return measures;
    }

    private static async Task<IReadOnlyList<BenchMeasure>> MeasureOnceAsync(int rounds, string? queuePoll, string machine)
    {
        var root = Directory.CreateTempSubdirectory("controlapi-bench-").FullName;
        try
        {
            List<double> sqlite;
            List<double>? postgreSql = null;
            using (var database = BenchDatabase.Sqlite())
                sqlite = await MeasureServiceAsync(Path.Combine(root, "sqlite"), rounds, queuePoll, database);
            if (BenchDatabase.TryPostgreSql() is { } onPostgreSql)
            {
                using (onPostgreSql)
                    postgreSql = await MeasureServiceAsync(Path.Combine(root, "postgresql"), rounds, queuePoll, onPostgreSql);
            }
            var raw = await MeasureRawGitAsync(root, rounds);

            Console.WriteLine($"commit path, {machine}:");
            Report($"accepted → pushed (ControlApi on SQLite, queue poll {queuePoll ?? "default"})", sqlite);
            if (postgreSql is not null) Report("accepted → pushed (ControlApi on PostgreSQL)", postgreSql);
            Report("git add/commit/push (raw CLI)", raw);
            ReportRatio("SQLite", sqlite, raw);
            if (postgreSql is not null) ReportRatio("PostgreSQL", postgreSql, raw);

            var measures = new List<BenchMeasure>
            {
                new($"accepted → pushed, SQLite, {machine} (median)", Median(sqlite), "ms", Better.Lower, 1.5, Median(raw), "raw git", GoalIsRatio: true),
            };
            if (postgreSql is not null)
                measures.Add(new($"accepted → pushed, PostgreSQL, {machine} (median)", Median(postgreSql), "ms", Better.Lower, 1.5, Median(raw), "raw git", GoalIsRatio: true));
            return measures;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static CiliumSettings Settings(int round) => CiliumSettings.Defaults with
    {
        L7Proxy = round % 2 == 0,
        Bgp = CiliumSettings.Defaults.Bgp with { LocalAsn = 64512 + round },
    };

    private static async Task<List<double>> MeasureServiceAsync(string directory, int rounds, string? queuePoll, BenchDatabase database)
    {
        var remote = Path.Combine(directory, "service.git");
        await Git(Directory.CreateDirectory(directory).FullName, "init", "--quiet", "--bare", "--initial-branch=main", remote);
        var settings = new Dictionary<string, string>(database.SettingsFor(replica: 1));
        if (queuePoll is not null) settings["ControlApi:Jobs:QueuePollInterval"] = queuePoll;
        await using var service = new BenchService(Path.Combine(directory, "data"), remote, settings);
        var client = service.CreateClient();
        var timings = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            using var body = new StringContent(SettingsJson.Serialize(Settings(round)), System.Text.Encoding.UTF8, "application/json");
            var response = await client.PutAsync($"/api/v1/clusters/{BenchService.Cluster}/cilium", body);
            response.EnsureSuccessStatusCode();
            var (accepted, pushed) = (await service.WaitForCommitsAsync(round + 1, round + 1, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(5))).Single();
            if (round > 0) timings.Add((pushed - accepted).TotalMilliseconds); // round 0 warms up the clone and the JIT
        }
        return timings;
    }

    private static async Task<List<double>> MeasureRawGitAsync(string root, int rounds)
    {
        var remote = Path.Combine(root, "raw.git");
        var clone = Path.Combine(root, "raw-clone");
        await Git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
        await Git(root, "clone", "--quiet", remote, clone);
        var cluster = new ClusterProfile { Id = "local" };
        var timings = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var files = ManifestRenderer.Render(cluster, Settings(round)).Files;
            var clock = Stopwatch.StartNew();
            foreach (var file in files)
            {
                var path = Path.Combine(clone, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, file.Content);
            }
            await Git(clone, "add", "--all");
            await Git(clone, "-c", "user.name=Bench", "-c", "user.email=bench@example.test", "commit", "--quiet", "-m", $"round {round}");
            await Git(clone, "push", "--quiet", "origin", "HEAD:main");
            if (round > 0) timings.Add(clock.Elapsed.TotalMilliseconds);
        }
        return timings;
    }

    private static async Task Git(string directory, params string[] arguments) =>
        await Cli.Wrap("git").WithArguments(arguments).WithWorkingDirectory(directory)
            .WithEnvironmentVariables(env => env.Set("GIT_TERMINAL_PROMPT", "0"))
            .ExecuteBufferedAsync();

    private static void Report(string what, List<double> ms) =>
        Console.WriteLine($"{what,-58} n={ms.Count}  median {Median(ms),7:0.0} ms  p90 {Stats.Percentile(ms, 0.9),7:0.0} ms  min {ms.Min(),7:0.0} ms");

    private static void ReportRatio(string engine, List<double> service, List<double> raw) =>
        Console.WriteLine($"{engine,-10} to raw git: ratio (median): {Median(service) / Median(raw):0.00}×   ratio (p90): {Stats.Percentile(service, 0.9) / Stats.Percentile(raw, 0.9):0.00}×   goal ≤ 1.5×");

    private static double Median(List<double> values) => Stats.Percentile(values, 0.5);
}
