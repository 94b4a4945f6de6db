using System.Globalization;
using System.Text;
using System.Text.Json;
using ControlApi.Persistence;
using Microsoft.Extensions.Options;

namespace ControlApi.Audit;

/// <summary>
/// Writes audit events as Server-Sent Events: each event's <c>id</c> is the audit event id, its
/// <c>event</c> the kind and its <c>data</c> the event as the audit API renders it. It sends what
/// follows <c>after</c> in id order, then sleeps until an append in this process wakes it, the re-read
/// timer or the heartbeat is due. It ends when the caller goes away or the host stops.
/// </summary>
public sealed class AuditEventStream(
    AuditReader reader,
    AuditAppendedSignal appended,
    IHostApplicationLifetime lifetime,
    IOptions<EventStreamOptions> options,
    TimeProvider time)
{
    public const string MediaType = "text/event-stream";
    private const int Batch = 200;

    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    public async Task WriteAsync(Stream body, AuditFilter filter, long after, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var value = options.Value;
        var heartbeat = Positive(value.HeartbeatInterval, TimeSpan.FromSeconds(15));
        var recheck = Positive(value.RecheckInterval, TimeSpan.FromSeconds(2));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var token = stop.Token;
        try
        {
            // Opens the stream for the client at once (and proxies see bytes) even when nothing is new.
            await WriteAndFlushAsync(body, KeepAlive, token);
            var lastWrite = time.GetTimestamp();
            while (!token.IsCancellationRequested)
            {
                // Taken before the read: an append committed after it completes this task.
                var changed = appended.NextChange;
                var events = await reader.ReadAfterAsync(filter, after, Batch, token);
                foreach (var audit in events)
                {
                    await body.WriteAsync(Frame(AuditEventResource.From(audit), json), token);
                    after = audit.Id;
                }
                if (events.Count > 0)
                {
                    await body.FlushAsync(token);
                    lastWrite = time.GetTimestamp();
                    if (events.Count == Batch) continue;
                }

                var quiet = time.GetElapsedTime(lastWrite);
                if (quiet >= heartbeat)
                {
                    await WriteAndFlushAsync(body, KeepAlive, token);
                    lastWrite = time.GetTimestamp();
                    quiet = TimeSpan.Zero;
                }
                var untilHeartbeat = heartbeat - quiet;
                await SleepAsync(changed, untilHeartbeat < recheck ? untilHeartbeat : recheck, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The caller left or the host is stopping: the stream just ends; the client resumes with Last-Event-ID.
        }
    }

    /// <summary>One event in the SSE wire format; the JSON is one line (the serializer escapes every newline).</summary>
    public static byte[] Frame(AuditEventResource audit, JsonSerializerOptions json)
    {
        var text = new StringBuilder()
            .Append("id: ").Append(audit.Id.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(audit.Kind).Append('\n')
            .Append("data: ").Append(JsonSerializer.Serialize(audit, json)).Append("\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private async Task SleepAsync(Task changed, TimeSpan delay, CancellationToken token)
    {
        using var sleep = CancellationTokenSource.CreateLinkedTokenSource(token);
        await Task.WhenAny(changed, Task.Delay(delay, time, sleep.Token));
        await sleep.CancelAsync();
    }

    private static async Task WriteAndFlushAsync(Stream body, byte[] bytes, CancellationToken token)
    {
        await body.WriteAsync(bytes, token);
        await body.FlushAsync(token);
    }

    private static TimeSpan Positive(TimeSpan value, TimeSpan fallback) => value > TimeSpan.Zero ? value : fallback;
}
