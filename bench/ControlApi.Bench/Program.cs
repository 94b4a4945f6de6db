using BenchmarkDotNet.Running;
using ControlApi.Bench;

// dotnet run -c Release --project bench/ControlApi.Bench -- audit [events]   console p50/p99, keyset vs OFFSET
// dotnet run -c Release --project bench/ControlApi.Bench -- bdn              the same under BenchmarkDotNet
switch (args.FirstOrDefault())
{
    case "audit":
        var events = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 1_000_000;
        return await AuditPagingBench.RunAsync(events, keysetSamples: 2000, offsetSamples: 40, Console.Out);
    case "bdn":
        BenchmarkRunner.Run<AuditPagingBenchmarks>(args: args[1..]);
        return 0;
    default:
        Console.Error.WriteLine("usage: ControlApi.Bench audit [events] | bdn [BenchmarkDotNet arguments]");
        return 2;
}
