using System.Text.RegularExpressions;

namespace ControlApi.GitOps;

/// <summary>
/// Hides secrets in text that leaves the git client (logs, exception messages, push reasons):
/// the known secret values of the call, userinfo in URLs, and authorization header values.
/// Pure and stateless, so every path that prints uses the same rules.
/// </summary>
public static partial class GitRedactor
{
    public const string Mask = "***";

    public static string Redact(string? text, IEnumerable<string> secrets)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";

        // Longest first, so a secret containing another is hidden whole.
        foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = UrlUserInfo().Replace(text, match =>
        {
            var scheme = match.Groups["scheme"].Value;
            var userInfo = match.Groups["userinfo"].Value;
            // Over HTTP the user part is often the token itself (https://<token>@host); over SSH it is
            // an account name like "git" that helps a reader, so only a password is hidden there.
            var isHttp = scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase);
            var colon = userInfo.IndexOf(':');
            var kept = isHttp ? Mask : colon < 0 ? userInfo : userInfo[..colon] + ":" + Mask;
            return $"{scheme}://{kept}@";
        });

        return AuthorizationValue().Replace(text, m => m.Groups["prefix"].Value + Mask);
    }

    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<userinfo>[^/@\s'""]+)@")]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?<prefix>(?:Authorization|extraHeader)\s*[:=]\s*(?:Authorization:\s*)?(?:Basic|Bearer|token)?\s*)[^\s'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationValue();
}
