namespace ControlApi.Jobs;

/// <summary>When a Hangfire job scheduled for a time really starts.</summary>
public static class ScheduleTimes
{
    /// <summary>
    /// The earliest time Hangfire can be asked for so the job never starts before <paramref name="due"/>:
    /// Hangfire keeps a scheduled job's time in whole Unix seconds, rounded down, and enqueues it once
    /// that second has begun, so a job asked for at 12.3 s would start at 12.0 s. A job that starts
    /// early finds its work not due yet, and whoever deduplicates wakes by time must not believe the
    /// wake has run: asking for the next whole second keeps both true.
    /// </summary>
    public static DateTimeOffset NotBefore(DateTimeOffset due)
    {
        var ticks = due.UtcTicks % TimeSpan.TicksPerSecond;
        return ticks == 0 ? due : due.AddTicks(TimeSpan.TicksPerSecond - ticks);
    }
}
