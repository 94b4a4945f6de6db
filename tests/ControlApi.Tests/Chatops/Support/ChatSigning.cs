using System.Security.Cryptography;
using System.Text;

namespace ControlApi.Tests.Chatops.Support;

/// <summary>
/// The platforms' documented signing algorithms, written out independently of the service's
/// verifiers, so a test proves the service agrees with the documentation — not with itself.
/// </summary>
public static class ChatSigning
{
    /// <summary>Slack: <c>v0=</c> + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).</summary>
    public static string Slack(string secret, string timestamp, string body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var digest = hmac.ComputeHash(Encoding.UTF8.GetBytes("v0:" + timestamp + ":" + body));
        return "v0=" + string.Concat(digest.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Teams: <c>HMAC </c> + base64(HMAC-SHA256(base64decode(securityToken), body bytes)).</summary>
    public static string Teams(string securityToken, string body)
    {
        using var hmac = new HMACSHA256(Convert.FromBase64String(securityToken));
        return "HMAC " + Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(body)));
    }

    /// <summary>A form body encoded the way Slack and Mattermost send it.</summary>
    public static string Form(params (string Name, string? Value)[] fields) =>
        string.Join('&', fields.Where(f => f.Value is not null).Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value!)}"));
}
