using System.Text;
using Microsoft.Net.Http.Headers;

namespace ControlApi.Security;

/// <summary>What the request carries in <c>Authorization</c>: nothing, something unreadable, or a key.</summary>
public readonly record struct PresentedCredential(bool Present, string? Key)
{
    public const string BearerScheme = "Bearer";
    public const string BasicScheme = "Basic";

    public static readonly PresentedCredential None = new(false, null);
    public static readonly PresentedCredential Malformed = new(true, null);

    /// <summary>
    /// <c>Bearer &lt;key&gt;</c> everywhere. On the dashboard only, <c>Basic</c> with the key as the
    /// password, so a browser's own login prompt can open it (a browser cannot add a bearer header).
    /// </summary>
    public static PresentedCredential Read(HttpRequest request)
    {
        var headers = request.Headers[HeaderNames.Authorization];
        if (headers.Count == 0) return None;
        if (headers.Count > 1) return Malformed;
        var value = headers[0]!.Trim();
        if (value.Length == 0) return None;
        if (value.Length > ApiKeyTokens.MaxPresentedLength + 16) return Malformed;

        if (TryScheme(value, BearerScheme, out var bearer)) return Checked(bearer);
        if (TryScheme(value, BasicScheme, out var basic) && DashboardPaths.Matches(request.Path)) return Checked(BasicPassword(basic));
        return Malformed;
    }

    private static bool TryScheme(string value, string scheme, out string parameter)
    {
        parameter = "";
        if (value.Length <= scheme.Length || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || value[scheme.Length] != ' ')
            return false;
        parameter = value[(scheme.Length + 1)..].Trim();
        return true;
    }

    private static PresentedCredential Checked(string? key) =>
        string.IsNullOrEmpty(key) || key.Length > ApiKeyTokens.MaxPresentedLength || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? Malformed
            : new PresentedCredential(true, key);

    private static string? BasicPassword(string parameter)
    {
        Span<byte> decoded = stackalloc byte[parameter.Length];
        if (!Convert.TryFromBase64String(parameter, decoded, out var written)) return null;
        var text = Encoding.UTF8.GetString(decoded[..written]);
        var colon = text.IndexOf(':');
        return colon < 0 ? null : text[(colon + 1)..];
    }
}

/// <summary>Where the Hangfire dashboard lives (admin only).</summary>
public static class DashboardPaths
{
    public const string Root = "/hangfire";

    public static bool Matches(PathString path) => path.StartsWithSegments(Root, StringComparison.OrdinalIgnoreCase);
}
