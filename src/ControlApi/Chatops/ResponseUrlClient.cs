using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>Posts a follow-up to a chat's response_url in the platform's format.</summary>
public sealed class ResponseUrlClient(IHttpClientFactory httpClients, IOptions<ChatopsOptions> options, ILogger<ResponseUrlClient> logger)
{
    /// <summary>The named HttpClient; its request logging is removed because the URL is a credential.</summary>
    public const string HttpClientName = "chatops-response-url";

    public async Task<bool> PostAsync(string platform, string responseUrl, ChatReply reply, CancellationToken cancellationToken)
    {
        // Checked again here: the job's argument sits in the Hangfire database between runs.
        if (!ResponseUrlPolicy.IsAllowed(responseUrl, ResponseUrlPolicy.HostsFor(platform, options.Value))) return false;
        var uri = new Uri(responseUrl);
        object payload = platform == ChatPlatforms.Slack ? BlockKitRenderer.Render(reply, followUp: true) : MarkdownRenderer.Mattermost(reply);
        try
        {
            using var content = JsonContent.Create(payload, payload.GetType());
            using var response = await httpClients.CreateClient(HttpClientName).PostAsync(uri, content, cancellationToken);
            if (response.IsSuccessStatusCode) return true;
            logger.LogWarning("{Platform} answered HTTP {Status} to a follow-up posted to {Host}", platform, (int)response.StatusCode, uri.Host);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Posting a follow-up to {Host} failed: {Error}", uri.Host, ex.GetType().Name);
        }
        return false;
    }
}
