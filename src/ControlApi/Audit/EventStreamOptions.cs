namespace ControlApi.Audit;

/// <summary><c>ControlApi:Events</c>: the live audit stream, <c>GET /api/v1/events</c> (Server-Sent Events).</summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "ControlApi:Events";

    /// <summary>A <c>: keep-alive</c> comment after this long without an event, so proxies keep the connection and clients notice a dead one.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Events appended in this process wake a stream at once; it also reads this often to pick up
    /// those appended by another process.
    /// </summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Streams one API key may hold open at once (each holds a connection and reads the database).</summary>
    public int MaxStreamsPerKey { get; set; } = 4;
}
