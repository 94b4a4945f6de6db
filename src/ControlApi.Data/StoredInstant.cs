namespace ControlApi.Data;

/// <summary>
/// The instant as both engines store it. PostgreSQL's <c>timestamptz</c> has microsecond
/// resolution and keeps no offset (the PostgreSQL manual, "Date/Time Types": 1 microsecond
/// resolution; values are stored in UTC), SQLite keeps the 100 ns ticks ControlApi writes. An
/// instant cut to whole microseconds in UTC reads back the same from either, so what was hashed
/// (the audit chain) is what is read back and verified.
/// </summary>
public static class StoredInstant
{
    public static DateTimeOffset Of(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    /// <summary>
    /// An instant as both engines can store it without loss: the whole microseconds (<see cref="Of"/>)
    /// and the 100 ns ticks below them (null when there are none).
    /// </summary>
    public static (DateTimeOffset Stored, byte? SubMicrosecondTicks) Split(DateTimeOffset value)
    {
        var stored = Of(value);
        var below = value.UtcTicks - stored.UtcTicks;
        return (stored, below == 0 ? null : (byte)below);
    }
}

/// <summary>
/// The clock every writer reads (the service's <see cref="TimeProvider"/>): UTC cut to whole
/// microseconds (<see cref="StoredInstant"/>), so an instant handed back in a response is the one a
/// later read from either engine returns. Timers and timestamps are the inner clock's.
/// </summary>
public sealed class StorageClock(TimeProvider inner) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => StoredInstant.Of(inner.GetUtcNow());
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override long GetTimestamp() => inner.GetTimestamp();
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
