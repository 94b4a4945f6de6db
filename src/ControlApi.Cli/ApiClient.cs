using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ControlApi.Cli;

/// <summary>How one request ended, as far as the CLI cares.</summary>
public abstract record ApiAnswer
{
    /// <summary>A 2xx; <see cref="Body"/> is the JSON answer (null when empty).</summary>
    public sealed record Ok(int Status, JsonNode? Body, HttpResponseHeaders Headers) : ApiAnswer;

    /// <summary>A 4xx or 5xx; <see cref="Body"/> is the RFC 9457 problem when the service sent one.</summary>
    public sealed record Problem(int Status, JsonNode? Body) : ApiAnswer;

    /// <summary>No HTTP answer at all: refused connection, DNS, TLS, or no answer in time.</summary>
    public sealed record Unreachable(string Message) : ApiAnswer;

    public int ExitCode => this switch
    {
        Ok => ExitCodes.Done,
        Problem { Status: < 500 } => ExitCodes.Refused,
        Problem => ExitCodes.Failed,
        _ => ExitCodes.Unreachable,
    };
}

/// <summary>An answer a command cannot go on from; <see cref="CliApp"/> prints it and exits with its code.</summary>
public sealed class ApiAnswerException(ApiAnswer answer) : Exception(answer.ToString())
{
    public ApiAnswer Answer { get; } = answer;
}

/// <summary>Change headers the service stores with a revision.</summary>
public sealed record ChangeContext(string? Reason, string? OnBehalfOf);

/// <summary>
/// The service's REST API over one HttpClient: sends the key, turns every answer into an
/// <see cref="ApiAnswer"/>, and never lets a transport exception escape as a crash.
/// </summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public const string WaitTimedOutHeader = "X-Wait-Timed-Out";

    public void Dispose() => http.Dispose();

    public static ApiClient Create(CliSettings settings, HttpMessageHandler? handler)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(settings.Server.ToString().TrimEnd('/') + "/api/v1/");
        // Long polls are bounded by the request's own timeout parameter; the client only guards against a hung server.
        http.Timeout = TimeSpan.FromMinutes(11);
        if (settings.Key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Key);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("controlapi-cli/0.1");
        return new ApiClient(http);
    }

    public Task<JsonNode?> GetAsync(string path, CancellationToken cancellationToken) =>
        RequireAsync(SendAsync(HttpMethod.Get, path, null, null, null, cancellationToken));

    public Task<ApiAnswer> SendAsync(HttpMethod method, string path, string? json, string? mediaType, ChangeContext? change, CancellationToken cancellationToken) =>
        SendAsync(() =>
        {
            var request = new HttpRequestMessage(method, path);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, mediaType ?? "application/json");
            if (!string.IsNullOrWhiteSpace(change?.Reason)) request.Headers.Add("X-Change-Reason", change.Reason);
            if (!string.IsNullOrWhiteSpace(change?.OnBehalfOf)) request.Headers.Add("X-On-Behalf-Of", change.OnBehalfOf);
            return request;
        }, cancellationToken);

    public static async Task<JsonNode?> RequireAsync(Task<ApiAnswer> pending)
    {
        var answer = await pending;
        return answer is ApiAnswer.Ok ok ? ok.Body : throw new ApiAnswerException(answer);
    }

    /// <summary>Opens a streaming answer (the event stream); the caller owns the response.</summary>
    public async Task<(HttpResponseMessage? Response, ApiAnswer? Failure)> OpenStreamAsync(string path, string? lastEventId, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode) return (response, null);
            using (response) return (null, await ReadAnswerAsync(response, cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            return (null, new ApiAnswer.Unreachable(ex.Message));
        }
    }

    private async Task<ApiAnswer> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        try
        {
            using var request = build();
            using var response = await http.SendAsync(request, cancellationToken);
            return await ReadAnswerAsync(response, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return new ApiAnswer.Unreachable(ex.Message);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new ApiAnswer.Unreachable($"no answer in time ({ex.Message})");
        }
    }

    private static async Task<ApiAnswer> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? body = null;
        if (!string.IsNullOrWhiteSpace(text))
        {
            try { body = JsonNode.Parse(text); }
            // A proxy's HTML error page or plain text: keep it readable as a string.
            catch (System.Text.Json.JsonException) { body = JsonValue.Create(text); }
        }
        var status = (int)response.StatusCode;
        return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified
            ? new ApiAnswer.Ok(status, body, response.Headers)
            : new ApiAnswer.Problem(status, body);
    }
}
