using System.Net;

namespace ControlApi.Chatops;

/// <summary>
/// Where ControlApi may post follow-ups. A <c>response_url</c> comes from the request body, so an
/// unchecked one would let anyone with a valid signature make the service call any address
/// (server-side request forgery). Allowed: https to a listed host; plain http only to a listed
/// loopback host (tests, a local Mattermost).
/// </summary>
public static class ResponseUrlPolicy
{
    public static bool IsAllowed(string? url, IReadOnlyCollection<string> hosts)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo)) return false;
        if (!hosts.Contains(uri.IdnHost, StringComparer.OrdinalIgnoreCase)) return false;
        return uri.Scheme == Uri.UriSchemeHttps
            || (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip))));
    }

    public static IReadOnlyCollection<string> HostsFor(string platform, ChatopsOptions options) => platform switch
    {
        ChatPlatforms.Slack => options.Slack.AllowedResponseHosts,
        ChatPlatforms.Mattermost => options.Mattermost.AllowedResponseHosts,
        _ => [],
    };
}
