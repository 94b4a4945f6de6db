using System.Text;
using System.Text.Json.Nodes;

namespace ControlApi.Tests.Events;

/// <summary>One Server-Sent Event as the wire carried it, or a comment line (<see cref="Comment"/>).</summary>
public sealed record SseFrame(string? Id, string? Event, string? Data, string? Comment)
{
    public JsonNode Json => JsonNode.Parse(Data ?? throw new InvalidOperationException("A comment has no data."))!;
}

/// <summary>Reads an open <c>text/event-stream</c> response frame by frame, each read bounded by a deadline.</summary>
public sealed class SseClient(HttpResponseMessage response) : IAsyncDisposable
{
    private StreamReader? _reader;

    public HttpResponseMessage Response => response;

    /// <summary>The next event or comment; null when the server ended the stream.</summary>
    public async Task<SseFrame?> NextAsync(TimeSpan? timeout = null)
    {
        _reader ??= new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        string? id = null, kind = null, comment = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(deadline.Token);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (id is null && kind is null && data.Count == 0 && comment is null) continue;
                return new SseFrame(id, kind, data.Count == 0 ? null : string.Join('\n', data), comment);
            }
            if (line.StartsWith(':')) comment = line[1..].Trim();
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) kind = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line[6..]);
        }
    }

    /// <summary>The next <paramref name="count"/> events, skipping keep-alive comments.</summary>
    public async Task<List<SseFrame>> EventsAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<SseFrame>();
        while (events.Count < count)
        {
            var frame = await NextAsync(timeout) ?? throw new InvalidOperationException($"The stream ended after {events.Count} of {count} events.");
            if (frame.Comment is null) events.Add(frame);
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }
}
