using System.Globalization;

namespace ControlApi.Bench;

/// <summary>Which way a measure improves: a goal is met when the value is at or past it in that direction.</summary>
public enum Better { Lower, Higher }

/// <summary>
/// One line of the summary table that <c>bench all</c> prints: what was measured, the value this
/// build reached, the baseline it is set beside (the same measure of an older build or of the raw
/// tool underneath, taken in the same run; null where none exists) and the goal.
/// </summary>
/// <param name="Measure">What a reader of the issue's table recognises, e.g. "idle CPU, nothing to do".</param>
/// <param name="Value">This build's value, in <paramref name="Unit"/>.</param>
/// <param name="Baseline">The baseline's value in the same unit, measured side by side; null if there is none.</param>
/// <param name="BaselineName">What the baseline is, e.g. "main's build", "raw git".</param>
/// <param name="Goal">The goal in the same unit (or, with <paramref name="GoalIsRatio"/>, for the ratio); null when the measure is reported, not judged.</param>
/// <param name="GoalIsRatio">The goal is for value ÷ baseline (e.g. "accepted → pushed ≤ 1.5× raw git"), not for the value.</param>
public sealed record BenchMeasure(string Measure, double Value, string Unit, Better Better, double? Goal, double? Baseline = null, string? BaselineName = null, bool GoalIsRatio = false)
{
    /// <summary>Value ÷ baseline: how many times the baseline this build takes (or reaches).</summary>
    public double? Ratio => Baseline is > 0 ? Value / Baseline : null;

    // Judged at the precision the table shows: 1.0004 log lines a request is the goal of one, met.
    public bool? Met => (Goal, GoalIsRatio ? Ratio : Value) switch
    {
        ({ } goal, { } judged) => Better == Better.Lower ? Math.Round(judged, 2) <= goal : Math.Round(judged, 2) >= goal,
        _ => null,
    };

    public static string Format(double value, string unit) => unit switch
    {
        "%" => value.ToString("0.00", CultureInfo.InvariantCulture) + " %",
        "×" => value.ToString("0.00", CultureInfo.InvariantCulture) + "×",
        _ when Math.Abs(value) >= 100 => value.ToString("0", CultureInfo.InvariantCulture) + " " + unit,
        _ => value.ToString("0.##", CultureInfo.InvariantCulture) + " " + unit,
    };
}

/// <summary>Collects the measures of every benchmark a run takes and prints them as one table.</summary>
public static class BenchReport
{
    private static readonly List<BenchMeasure> Collected = [];

    public static void Add(IEnumerable<BenchMeasure> measures)
    {
        lock (Collected) Collected.AddRange(measures);
    }

    public static IReadOnlyList<BenchMeasure> All
    {
        get { lock (Collected) return Collected.ToList(); }
    }

    /// <summary>The Markdown table the README shows: measure, this build, baseline, ratio, goal, met.</summary>
    public static void Print(TextWriter output, IReadOnlyList<BenchMeasure> measures)
    {
        output.WriteLine("| measure | this build | baseline | ratio | goal | met |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var m in measures)
        {
            var baseline = m.Baseline is { } b ? $"{BenchMeasure.Format(b, m.Unit)} ({m.BaselineName})" : "";
            var ratio = m.Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "";
            var goal = m.Goal is { } g ? (m.Better == Better.Lower ? "≤ " : "≥ ") + (m.GoalIsRatio ? BenchMeasure.Format(g, "×") + " baseline" : BenchMeasure.Format(g, m.Unit)) : "";
            var met = m.Met switch { true => "yes", false => "**no**", null => "" };
            output.WriteLine($"| {m.Measure} | {BenchMeasure.Format(m.Value, m.Unit)} | {baseline} | {ratio} | {goal} | {met} |");
        }
    }
}
