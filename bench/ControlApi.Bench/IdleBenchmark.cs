using System.Diagnostics;
using System.Globalization;

namespace ControlApi.Bench;

/// <summary>
/// What the service costs when nobody uses it: this build as its own process (fresh data directory,
/// Production, the sandbox cluster <c>local</c> of appsettings.json), left to settle after
/// <c>/readyz</c>, then its CPU time (user + system, from <c>/proc</c>) over a window, as % of one
/// core, and its threads' context switches per second.
/// <para>
/// <c>idle [settle seconds] [window seconds] [--before path/to/other/ControlApi.dll]</c> (defaults
/// 60 and 30, as the issue measured; the first minutes still hold tiered JIT recompilation of the
/// periodic work, on a short-lived thread that /proc's per-process time counts): with <c>--before</c> a baseline build (e.g. main's) runs beside this one — both
/// started together and measured over the same window, so the machine's other load falls on both.
/// </para>
/// </summary>
public static class IdleBenchmark
{
    public const double GoalPercent = 0.5;

    public static async Task RunAsync(string[] args)
    {
        var measures = await MeasureAsync(args);
        BenchReport.Print(Console.Out, measures);
    }

    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var numbers = args.TakeWhile(a => a != "--before").Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var settle = TimeSpan.FromSeconds(numbers.Length > 0 ? numbers[0] : 60);
        var window = TimeSpan.FromSeconds(numbers.Length > 1 ? numbers[1] : 30);
        var before = ServiceProcess.Before(args);
        Console.WriteLine($"idle: settle {settle.TotalSeconds:0} s, window {window.TotalSeconds:0} s{(before is null ? "" : ", beside " + before)}");

        await using var current = await ServiceProcess.StartAsync(ServiceProcess.ThisBuild);
        await using var baseline = before is null ? null : await ServiceProcess.StartAsync(before);
        await Task.Delay(settle);

        var services = new List<(string Name, ServiceProcess Service)> { ("this build", current) };
        if (baseline is not null) services.Add(("before", baseline));
        var start = services.Select(s => (Cpu: s.Service.CpuTime(), Switches: s.Service.ContextSwitches())).ToList();
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var elapsed = clock.Elapsed;
        var results = new Dictionary<string, (double Percent, double SwitchesPerSecond)>();
        for (var i = 0; i < services.Count; i++)
        {
            var (name, service) = services[i];
            var cpu = service.CpuTime() - start[i].Cpu;
            var switches = ServiceProcess.SwitchesBetween(start[i].Switches, service.ContextSwitches());
            var percent = 100 * cpu / elapsed;
            var perSecond = switches / elapsed.TotalSeconds;
            results[name] = (percent, perSecond);
            Console.WriteLine($"{name}: {percent:0.00} % of a core, {perSecond:0} context switches/s, RSS {service.ResidentBytes() / 1048576.0:0} MB, {service.LogLines} log lines");
        }

        var mine = results["this build"];
        (double Percent, double SwitchesPerSecond)? theirs = results.TryGetValue("before", out var b) ? b : null;
        return
        [
            new BenchMeasure("idle CPU, nothing to do", mine.Percent, "%", Better.Lower, GoalPercent, theirs?.Percent, theirs is null ? null : "before"),
            new BenchMeasure("idle context switches", mine.SwitchesPerSecond, "/s", Better.Lower, null, theirs?.SwitchesPerSecond, theirs is null ? null : "before"),
        ];
    }
}
