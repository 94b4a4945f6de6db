using Cronos;

namespace ControlApi.Core.Governance;

/// <summary>Whether changes may be committed at an instant, and if not, when they may next.</summary>
/// <param name="Open">Inside an allow window (or there are none) and outside every deny window.</param>
/// <param name="Why">For people: which window decides.</param>
/// <param name="NextOpen">When closed: the first instant it opens again (null: not within a year).</param>
/// <param name="ClosesAt">When open inside an allow window or before a deny window: when that ends or starts, if within a year.</param>
public sealed record WindowState(bool Open, string Why, DateTimeOffset? NextOpen, DateTimeOffset? ClosesAt);

/// <summary>
/// Change windows as Argo CD's sync windows work: with allow windows, changes go only inside one; a
/// deny window wins over every allow window; with no windows at all, always. Cron schedules are
/// read by Cronos in the window's time zone, so a window at 22:00 Europe/Berlin follows daylight saving.
/// </summary>
public static class ChangeWindows
{
    /// <summary>How far ahead the next opening is looked for.</summary>
    public static TimeSpan Horizon { get; } = TimeSpan.FromDays(366);

    public static WindowState Evaluate(IReadOnlyList<ChangeWindow> windows, DateTimeOffset now)
    {
        if (windows.Count == 0) return new WindowState(true, "no change windows: changes go at any time", null, null);
        var parsed = windows.Select(Parsed.Of).ToList();
        var (open, why) = IsOpen(parsed, now);
        if (open) return new WindowState(true, why, null, ClosingAfter(parsed, now));
        return new WindowState(false, why, NextOpening(parsed, now), null);
    }

    /// <summary>Null when <paramref name="window"/> is well-formed, else what is wrong with it (for a 400/422 pointer).</summary>
    public static string? Problem(ChangeWindow window)
    {
        if (window.Duration <= TimeSpan.Zero) return "duration must be positive, e.g. \"02:00:00\"";
        if (window.Duration > TimeSpan.FromDays(31)) return "duration must be at most 31 days";
        try
        {
            CronExpression.Parse(window.Schedule, CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            return $"schedule '{window.Schedule}' is not a five-field cron expression (minute hour day-of-month month day-of-week), e.g. \"0 22 * * *\": {ex.Message}";
        }
        if (!TryZone(window.TimeZone, out _)) return $"timeZone '{window.TimeZone}' is not a known IANA time zone, e.g. \"Europe/Berlin\" or \"UTC\"";
        return null;
    }

    private static (bool Open, string Why) IsOpen(List<Parsed> windows, DateTimeOffset at)
    {
        if (windows.FirstOrDefault(w => w.Window.Kind == WindowKind.Deny && w.Covers(at)) is { } deny)
            return (false, $"inside the deny window '{deny.Window.Schedule}' ({deny.Window.TimeZone}, {deny.Window.Duration})");
        var allows = windows.Where(w => w.Window.Kind == WindowKind.Allow).ToList();
        if (allows.Count == 0) return (true, "outside every deny window");
        if (allows.FirstOrDefault(w => w.Covers(at)) is { } allow)
            return (true, $"inside the allow window '{allow.Window.Schedule}' ({allow.Window.TimeZone}, {allow.Window.Duration})");
        return (false, "outside every allow window");
    }

    /// <summary>The state only changes where a window starts or ends, so those instants are the candidates.</summary>
    private static DateTimeOffset? NextOpening(List<Parsed> windows, DateTimeOffset now) =>
        Boundaries(windows, now).FirstOrDefault(t => IsOpen(windows, t).Open) is var found && found != default ? found : null;

    private static DateTimeOffset? ClosingAfter(List<Parsed> windows, DateTimeOffset now) =>
        Boundaries(windows, now).FirstOrDefault(t => !IsOpen(windows, t).Open) is var found && found != default ? found : null;

    /// <summary>
    /// Every instant after <paramref name="now"/> where a window starts or ends, in order, looked for
    /// in growing spans (a day, a week, …) so a minutely schedule is not expanded for a whole year.
    /// </summary>
    private static IEnumerable<DateTimeOffset> Boundaries(List<Parsed> windows, DateTimeOffset now)
    {
        var from = now;
        var span = TimeSpan.FromDays(1);
        while (from < now + Horizon)
        {
            var to = from + span > now + Horizon ? now + Horizon : from + span;
            var instants = new SortedSet<DateTimeOffset>();
            foreach (var w in windows)
            {
                // Windows that began before this span and still run end inside it or later.
                foreach (var start in w.Starts(from - w.Window.Duration, to))
                {
                    if (start > from && start <= to) instants.Add(start);
                    var end = start + w.Window.Duration;
                    if (end > from && end <= to) instants.Add(end);
                }
            }
            foreach (var instant in instants) yield return instant;
            from = to;
            span *= 4;
        }
    }

    private static bool TryZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }

    private sealed record Parsed(ChangeWindow Window, CronExpression Cron, TimeZoneInfo Zone)
    {
        public static Parsed Of(ChangeWindow window)
        {
            if (Problem(window) is { } problem) throw new ArgumentException($"Invalid change window: {problem}", nameof(window));
            TryZone(window.TimeZone, out var zone);
            return new Parsed(window, CronExpression.Parse(window.Schedule, CronFormat.Standard), zone);
        }

        /// <summary>Some occurrence t has t ≤ at &lt; t + duration.</summary>
        public bool Covers(DateTimeOffset at) =>
            Cron.GetOccurrences(at - Window.Duration, at, Zone, fromInclusive: false, toInclusive: true).Any();

        public IEnumerable<DateTimeOffset> Starts(DateTimeOffset from, DateTimeOffset to) =>
            Cron.GetOccurrences(from, to, Zone, fromInclusive: false, toInclusive: true);
    }
}
