namespace ControlApi.Security;

/// <summary>
/// Where a refused request came from and what it asked for, as <c>auth.denied</c> records it: read
/// once from the HTTP request at the edge, so the audit and chat services below never see HTTP.
/// The path is redacted (a key pasted into it is not recorded) and bounded.
/// </summary>
public sealed record RequestOrigin(string Method, string Route, string Path, string RemoteAddress)
{
    private const int MaxPathLength = 300;

    public static RequestOrigin Of(HttpContext context)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern ? "/" + pattern.Trim('/') : "(no route)";
        var path = ApiKeyTokens.Redact(context.Request.Path.Value ?? "");
        if (path.Length > MaxPathLength) path = path[..MaxPathLength] + "…";
        return new RequestOrigin(context.Request.Method, route, path, ClientAddress.Of(context));
    }
}
