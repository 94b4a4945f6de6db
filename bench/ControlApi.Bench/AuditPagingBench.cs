using System.Diagnostics;
using System.Globalization;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Bench;

/// <summary>
/// Filtered audit pages at the far end of the history: the service's keyset reader
/// (<see cref="AuditReader"/>) against the same filter paged with OFFSET, side by side in one run.
/// </summary>
public static class AuditPagingBench
{
    public const int PageSize = 50;

    public sealed record Scenario(string Name, AuditFilter Filter);

    public static IReadOnlyList<Scenario> Scenarios { get; } =
    [
        new("no filter", AuditFilter.None),
        new("cluster", new AuditFilter(Cluster: "cluster-07")),
        new("cluster + kind", new AuditFilter(Cluster: "cluster-07", Kind: "git.committed")),
        new("kind prefix flux.", new AuditFilter(Kind: "flux.")),
        new("cluster + kind prefix", new AuditFilter(Cluster: "cluster-03", Kind: "rollout.")),
        new("actor", new AuditFilter(Actor: "user-17")),
        new("kind", new AuditFilter(Kind: "verify.passed")),
        new("since/until (a week)", new AuditFilter(Since: AuditFill.Start.AddDays(10), Until: AuditFill.Start.AddDays(17))),
        new("cluster + since/until", new AuditFilter(Cluster: "cluster-11", Since: AuditFill.Start.AddDays(10), Until: AuditFill.Start.AddDays(17))),
    ];

    /// <summary><c>audit [events]</c>: a million events unless a count is given.</summary>
    public static async Task RunAsync(string[] args) => BenchReport.Print(Console.Out, await MeasureAsync(args));

    /// <summary><c>[events]</c>: the size of the history (default a million).</summary>
    public static Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args) =>
        MeasureAsync(args.Length > 0 && int.TryParse(args[0], out var events) ? events : 1_000_000, keysetSamples: 2000, offsetSamples: 40, Console.Out);

    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(int events, int keysetSamples, int offsetSamples, TextWriter output)
    {
        output.WriteLine($"Audit paging benchmark: {events:N0} events, pages of {PageSize}, the last page of each filtered range");
        using var fill = await AuditFill.CreateAsync(events, output);
        await using var db = fill.NewContext();
        var reader = new AuditReader(db);

        output.WriteLine();
        output.WriteLine($"{"filter",-24} {"matches",9} | {"keyset p50",10} {"p99",8} | {"OFFSET p50",10} {"p99",8} | {"p50 ×",7} {"p99 ×",7}");
        output.WriteLine(new string('-', 98));
        var worstKeysetP99 = 0.0;
        var worstRatio = double.MaxValue;
        double? wholeKeysetP99 = null, wholeOffsetP99 = null;
        foreach (var scenario in Scenarios)
        {
            var matches = await Baseline(db, scenario.Filter).CountAsync();
            if (matches <= PageSize)
            {
                output.WriteLine($"{scenario.Name,-24} {matches,9} | (fits one page; skipped)");
                continue;
            }
            var offset = matches - PageSize;
            // The cursor a reader holds after paging to the end: the id just above the last page.
            var cursor = await Baseline(db, scenario.Filter).OrderByDescending(e => e.Id).Skip(offset - 1).Select(e => e.Id).FirstAsync();

            var keysetPage = await reader.ReadAsync(scenario.Filter, PageSize, cursor, CancellationToken.None);
            var offsetPage = await Baseline(db, scenario.Filter).OrderByDescending(e => e.Id).Skip(offset).Take(PageSize).Select(e => e.Id).ToListAsync();
            if (!keysetPage.Select(e => e.Id).SequenceEqual(offsetPage))
                throw new InvalidOperationException($"{scenario.Name}: keyset and OFFSET disagree on the last page.");

            var keyset = await Measure(keysetSamples, async () => await reader.ReadAsync(scenario.Filter, PageSize, cursor, CancellationToken.None));
            var offsetTimes = await Measure(offsetSamples, async () =>
                await Baseline(db, scenario.Filter).OrderByDescending(e => e.Id).Skip(offset).Take(PageSize).ToListAsync());

            var (k50, k99) = (Percentile(keyset, 50), Percentile(keyset, 99));
            var (o50, o99) = (Percentile(offsetTimes, 50), Percentile(offsetTimes, 99));
            worstKeysetP99 = Math.Max(worstKeysetP99, k99);
            worstRatio = Math.Min(worstRatio, o99 / k99);
            if (ReferenceEquals(scenario, Scenarios[0])) (wholeKeysetP99, wholeOffsetP99) = (k99, o99);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scenario.Name,-24} {matches,9} | {k50,8:0.00}ms {k99,6:0.00}ms | {o50,8:0.0}ms {o99,6:0.0}ms | {o50 / k50,6:0}× {o99 / k99,6:0}×"));
        }
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Worst keyset p99: {worstKeysetP99:0.00} ms (goal ≤ 10 ms); smallest OFFSET/keyset p99 ratio: {worstRatio:0}× (goal ≥ 20×)"));
        return
        [
            new($"audit: last page of a filtered {events:N0}-event history, keyset p99 (worst filter)", worstKeysetP99, "ms", Better.Lower, 10),
            // The whole history is where OFFSET has the most to skip; where a composite index holds
            // exactly the filter it only skips index entries and the two are close (README).
            new($"audit: last page of the whole {events:N0}-event history, keyset p99", wholeKeysetP99 ?? double.NaN, "ms", Better.Lower, 10, wholeOffsetP99, "OFFSET paging"),
        ];
    }

    /// <summary>The same filter written the plain way, for OFFSET paging: predicates on the columns as they are.</summary>
    public static IQueryable<AuditEvent> Baseline(ControlApiDbContext db, AuditFilter filter)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (filter.Cluster is { } cluster) query = query.Where(e => e.ClusterId == cluster);
        if (filter.Kind is { } kind)
        {
            if (filter.KindIsPrefix)
            {
                var end = kind[..^1] + (char)(kind[^1] + 1);
                query = query.Where(e => string.Compare(e.Kind, kind) >= 0 && string.Compare(e.Kind, end) < 0);
            }
            else
            {
                query = query.Where(e => e.Kind == kind);
            }
        }
        if (filter.Revision is { } revision) query = query.Where(e => e.Revision == revision);
        if (filter.Actor is { } actor) query = query.Where(e => e.Actor == actor);
        if (filter.Since is { } since) query = query.Where(e => e.Time >= since);
        if (filter.Until is { } until) query = query.Where(e => e.Time < until);
        return query;
    }

    private static async Task<double[]> Measure(int samples, Func<Task> page)
    {
        for (var i = 0; i < Math.Max(3, samples / 10); i++) await page(); // warm-up: query compilation, page cache
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await page();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static double Percentile(double[] sorted, int percent) =>
        sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
