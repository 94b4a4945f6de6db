namespace ControlApi.Bench;

/// <summary>Each benchmark prints its measurements side by side with a baseline and the ratio.</summary>
public static class BenchProgram
{
    private static readonly Dictionary<string, Func<string[], Task>> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["commit"] = CommitPathBenchmark.RunAsync,
        ["detection"] = DetectionLagBenchmark.RunAsync,
        ["poll"] = LargeClusterPollBenchmark.RunAsync,
        ["audit"] = AuditPagingBench.RunAsync,
        ["audit-bdn"] = AuditPagingBenchmarks.RunAsync,
        ["reads"] = ReadPathBenchmark.RunAsync,
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var run))
        {
            Console.WriteLine($"usage: dotnet run -c Release --project bench/ControlApi.Bench -- <{string.Join('|', Benchmarks.Keys)}> [options]");
            return 2;
        }
        await run(args[1..]);
        return 0;
    }
}
