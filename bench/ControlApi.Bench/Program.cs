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
    };

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
