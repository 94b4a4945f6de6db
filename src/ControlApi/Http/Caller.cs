using System.Security.Claims;

namespace ControlApi.Http;

/// <summary>Who is calling: the authenticated API key's name (see Security/), else "anonymous".</summary>
public static class Caller
{
    public const string Anonymous = "anonymous";

    public static string Name(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : Anonymous;

    public static string? NameOf(ClaimsPrincipal user) => user.Identity?.Name;
}
