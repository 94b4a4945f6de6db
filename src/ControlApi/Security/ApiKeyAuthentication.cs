using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ControlApi.Security;

/// <summary>Why a request was not let in; stable strings for the audit trail and problem types.</summary>
public static class DenialReasons
{
    public const string MissingKey = "missing-key";
    public const string MalformedKey = "malformed-key";
    public const string UnknownKey = "unknown-key";
    public const string RevokedKey = "revoked-key";
    public const string TooManyFailures = "too-many-failures";
    public const string InsufficientRole = "insufficient-role";
}

/// <summary>
/// What authentication concluded for this request, kept as a feature so the denial answer and its
/// audit event can say why without authenticating twice. Holds a key id and name, never a secret.
/// </summary>
public sealed record AuthenticationAttempt(string Reason, string? KeyId = null, string? KeyName = null, Role? Role = null,
    DateTimeOffset? RevokedAt = null, TimeSpan? RetryAfter = null)
{
    public static readonly AuthenticationAttempt Missing = new(DenialReasons.MissingKey);
}

/// <summary>Claim types this service puts on an authenticated caller.</summary>
public static class ApiKeyClaims
{
    public const string KeyId = "controlapi:key_id";

    /// <summary>The person who holds the key (its <c>person</c>, else its name): who approves, and who may not approve their own change.</summary>
    public const string Person = "controlapi:person";

    /// <summary>The authenticated person of a request; never X-On-Behalf-Of, which anyone may send.</summary>
    public static string? PersonOf(System.Security.Claims.ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? user.FindFirst(Person)?.Value ?? user.Identity.Name : null;
}

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the <c>CONTROLAPI_ADMIN_KEY</c> value, or a stored key found
/// by its public id and checked by hash. Failed checks count against the caller's address and the key
/// they aimed at (<see cref="FailedAuthenticationThrottle.TargetOf"/>); over the limit, that key from that
/// address is refused before it is looked at, so guessing cannot go on while other keys still work.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    BootstrapAdminKey bootstrap,
    FailedAuthenticationThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>The secret this request's key tries, for the failed-check throttle.</summary>
    private string _target = "bootstrap";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Endpoints that need no key never check one. The chat endpoints carry their platform's own
        // Authorization header (Teams: "HMAC …"), which must not count as a failed guess.
        if (Context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
            return AuthenticateResult.NoResult();

        var presented = PresentedCredential.Read(Request);
        if (!presented.Present)
        {
            Context.Features.Set(AuthenticationAttempt.Missing);
            return AuthenticateResult.NoResult();
        }

        var address = ClientAddress.Of(Context);
        _target = FailedAuthenticationThrottle.TargetOf(presented.Key);
        if (throttle.IsLockedOut(address, _target, out var retryAfter))
            return Refuse(new AuthenticationAttempt(DenialReasons.TooManyFailures, RetryAfter: retryAfter), countsAsFailure: false);
        if (presented.Key is not { } text)
            return Refuse(new AuthenticationAttempt(DenialReasons.MalformedKey), countsAsFailure: true);

        if (bootstrap.Matches(text))
            return Admit(BootstrapAdminKey.KeyId, BootstrapAdminKey.KeyName, Role.Admin, BootstrapAdminKey.KeyName);

        if (!ApiKeyTokens.TryParse(text, out var id, out var secret))
            return Refuse(new AuthenticationAttempt(DenialReasons.MalformedKey), countsAsFailure: true);

        var key = await keys.FindForRequestAsync(id, Context.RequestAborted);
        // An unknown id and a wrong secret look the same to the caller: the id alone proves nothing.
        if (key is null || !ApiKeyTokens.Matches(secret, key.SecretHash) || !Roles.TryParse(key.Role, out var role))
            return Refuse(new AuthenticationAttempt(DenialReasons.UnknownKey, KeyId: key?.Id), countsAsFailure: true);
        if (key.RevokedAt is { } revokedAt)
            return Refuse(new AuthenticationAttempt(DenialReasons.RevokedKey, key.Id, key.Name, RevokedAt: revokedAt), countsAsFailure: true);

        try
        {
            await keys.TouchAsync(key, Context.RequestAborted);
        }
        catch (Exception ex) when (Persistence.StorageFaults.Classify(ex) is { } fault)
        {
            // When a key was last used is bookkeeping: storage that takes no writes (a full disk) must
            // not stop reads too, least of all the reads that show what is wrong. /readyz reports it;
            // the first use after storage recovers records the use.
            Context.RequestServices.GetRequiredService<Persistence.StorageHealth>().Report(fault);
            Logger.LogWarning(ex, "The use of key {Key} was not recorded: {Fault}", key.Name, fault.What);
        }
        return Admit(key.Id, key.Name, role, key.Person ?? key.Name);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The body is written by DeniedRequestResponder; the scheme only says how to authenticate.
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Challenges.For(Request, Context.Features.Get<AuthenticationAttempt>());
        return Task.CompletedTask;
    }

    private AuthenticateResult Admit(string keyId, string name, Role role, string person)
    {
        Context.Features.Set(new AuthenticationAttempt("", keyId, name, role));
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role.Name()), new Claim(ApiKeyClaims.KeyId, keyId), new Claim(ApiKeyClaims.Person, person)],
            SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Refuse(AuthenticationAttempt attempt, bool countsAsFailure)
    {
        if (countsAsFailure) throttle.RecordFailure(ClientAddress.Of(Context), _target);
        Context.Features.Set(attempt);
        // The failure message is logged by ASP.NET Core: it carries the reason only, never the presented value.
        return AuthenticateResult.Fail(attempt.Reason);
    }
}

/// <summary><c>WWW-Authenticate</c> values (RFC 6750 §3; RFC 7617 on the dashboard, where browsers prompt).</summary>
public static class Challenges
{
    public const string Realm = "ControlApi";

    public static string[] For(HttpRequest request, AuthenticationAttempt? attempt)
    {
        var bearer = attempt is null || attempt.Reason == DenialReasons.MissingKey
            ? $"{PresentedCredential.BearerScheme} realm=\"{Realm}\""
            : $"{PresentedCredential.BearerScheme} realm=\"{Realm}\", error=\"invalid_token\"";
        return DashboardPaths.Matches(request.Path)
            ? [bearer, $"{PresentedCredential.BasicScheme} realm=\"{Realm} dashboard\", charset=\"UTF-8\""]
            : [bearer];
    }
}

/// <summary>The address a request came from, as limits and audit see it.</summary>
public static class ClientAddress
{
    public const string Unknown = "unknown";

    /// <summary>
    /// The connection's peer (IPv4-mapped IPv6 shown as IPv4). Forwarded headers are not trusted
    /// here: behind a proxy, configure ASP.NET Core's forwarded-headers middleware for that proxy.
    /// </summary>
    public static string Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return Unknown;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}
