using ControlApi.Tests.Support;

namespace ControlApi.Bench;

/// <summary>Each benchmark prints its measurements side by side with a baseline and the ratio.</summary>
public static class BenchProgram
{
    private static readonly Dictionary<string, Func<string[], Task>> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["commit"] = CommitPathBenchmark.RunAsync,
        ["burst"] = BurstBenchmark.RunAsync,
        // Both of the above in one run and on one PostgreSQL server: [rounds] [writers].
        ["replicas"] = async args =>
        {
            await CommitPathBenchmark.RunAsync(args.Take(1).ToArray());
            await BurstBenchmark.RunAsync(args.Skip(1).ToArray());
        },
        ["detection"] = DetectionLagBenchmark.RunAsync,
        // [rounds] [baseline rounds]: hand edit → drift.detected with the watch, and with the 1-minute poll only.
        ["drift"] = DriftLagBenchmark.RunAsync,
        ["poll"] = LargeClusterPollBenchmark.RunAsync,
        ["audit"] = AuditPagingBench.RunAsync,
        ["audit-bdn"] = AuditPagingBenchmarks.RunAsync,
        ["reads"] = ReadPathBenchmark.RunAsync,
        // [settle seconds] [window seconds] [--before other/ControlApi.dll]: CPU of a service with nothing to do.
        ["idle"] = IdleBenchmark.RunAsync,
        // [runs] [--before published-dir-or-dll] [--settle seconds]: cold start to /readyz and idle RSS, as the image runs.
        ["start"] = StartBenchmark.RunAsync,
        ["all"] = RunAllAsync,
    };

    /// <summary>
    /// What <c>all</c> runs, in this order, with the arguments it gives each (sized so the whole run
    /// takes minutes, not hours); a <c>--before</c> build is handed to those that start the service
    /// as its own process and can run an older build beside this one.
    /// </summary>
    private static readonly (string Name, Func<string[], Task<IReadOnlyList<BenchMeasure>>> Measure, string[] Arguments, bool TakesBefore)[] Suite =
    [
        ("idle", IdleBenchmark.MeasureAsync, [], true),
        ("start", StartBenchmark.MeasureAsync, [], true),
        ("reads", ReadPathBenchmark.MeasureAsync, ["5"], true),
        ("burst", BurstBenchmark.MeasureAsync, [], false),
        ("commit", CommitPathBenchmark.MeasureAsync, ["20", "--busy"], false),
        ("drift", DriftLagBenchmark.MeasureAsync, ["8", "2"], false),
        ("detection", DetectionLagBenchmark.MeasureAsync, ["5"], false),
        ("poll", LargeClusterPollBenchmark.MeasureAsync, ["5000"], false),
        ("audit", AuditPagingBench.MeasureAsync, ["1000000"], false),
    ];

    /// <summary>
    /// <c>all [--before path/to/ControlApi.dll]</c>: every benchmark in turn, then one table of every
    /// measure beside its baseline and goal (Markdown, as the README shows it). A benchmark that
    /// fails is reported and the rest still run.
    /// </summary>
    private static async Task RunAllAsync(string[] args)
    {
        var before = args.SkipWhile(a => a != "--before").Skip(1).FirstOrDefault();
        var started = DateTimeOffset.UtcNow;
        var failures = new List<string>();
        foreach (var (name, measure, arguments, takesBefore) in Suite)
        {
            Console.WriteLine();
            Console.WriteLine($"=== {name} {string.Join(' ', arguments)} ({LoadAverage()})");
            try
            {
                BenchReport.Add(await measure(takesBefore && before is not null ? [.. arguments, "--before", before] : arguments));
            }
            catch (Exception ex)
            {
                failures.Add($"{name}: {ex.GetType().Name}: {ex.Message}");
                Console.Error.WriteLine(ex);
            }
        }
        Console.WriteLine();
        Console.WriteLine($"## All measures ({started:yyyy-MM-dd}, {Machine()}, {(DateTimeOffset.UtcNow - started).TotalMinutes:0} min, {LoadAverage()} at the end)");
        Console.WriteLine();
        BenchReport.Print(Console.Out, BenchReport.All);
        foreach (var failure in failures) Console.WriteLine($"- not measured: {failure}");
        if (failures.Count > 0) throw new InvalidOperationException($"{failures.Count} benchmark(s) failed.");
    }

    // What the numbers were taken on: they move with the machine.
    private static string Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores ({model ?? "unknown CPU"}), {memory ?? "unknown memory"}, .NET {Environment.Version}";
    }

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var run))
        {
            Console.WriteLine($"usage: dotnet run -c Release --project bench/ControlApi.Bench -- <{string.Join('|', Benchmarks.Keys)}> [options]");
            return 2;
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {LoadAverage()}");
        try
        {
            await run(args[1..]);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(ex);
            return 1;
        }
        finally
        {
            // The throwaway PostgreSQL cluster, if a benchmark started one: stopped and deleted before the
            // bench exits (its exit handler only starts that, and a killed session may not let it finish).
            PostgreSqlServer.StopShared();
        }
        Console.WriteLine($"after: {LoadAverage()}");
        return 0;
    }

    // Other work on the machine moves every number here; the load says how much there was.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? "load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "load average unknown";
}
