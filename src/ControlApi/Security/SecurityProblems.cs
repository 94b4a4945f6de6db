using ControlApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Security;

/// <summary>
/// The problem details of refused requests: what went wrong and what to do. They name key ids,
/// names and roles — never a presented value, which may be a real key sent to the wrong place.
/// </summary>
public static class SecurityProblems
{
    private const string HowToGetAKey =
        "An admin creates keys with POST /api/v1/apikeys; the first admin key is printed once at first start and kept in <DataDirectory>/admin-key (see README, Security).";

    public static ProblemHttpResult Unauthenticated(AuthenticationAttempt attempt) => attempt.Reason switch
    {
        DenialReasons.MalformedKey => Problems.Create(StatusCodes.Status401Unauthorized, DenialReasons.MalformedKey, "Unreadable API key",
            "The Authorization header is not 'Bearer <key>' with a ControlApi key (cak_<id>_<secret>). Send the whole key exactly as it was given. " + HowToGetAKey),
        DenialReasons.UnknownKey => Problems.Create(StatusCodes.Status401Unauthorized, DenialReasons.UnknownKey, "Unknown API key",
            "No key matches the one sent. Check that it was copied whole, or ask an admin for a new one. " + HowToGetAKey),
        DenialReasons.RevokedKey => Problems.Create(StatusCodes.Status401Unauthorized, DenialReasons.RevokedKey, "Revoked API key",
            $"Key {attempt.KeyId} ('{attempt.KeyName}') was revoked at {attempt.RevokedAt:O}. Ask an admin for a new key.",
            new() { ["keyId"] = attempt.KeyId }),
        _ => Problems.Create(StatusCodes.Status401Unauthorized, DenialReasons.MissingKey, "API key required",
            "Send an API key: 'Authorization: Bearer <key>'. " + HowToGetAKey),
    };

    public static ProblemHttpResult Forbidden(string keyName, Role held, Role needed, string method, string route) => Problems.Create(
        StatusCodes.Status403Forbidden, DenialReasons.InsufficientRole, "Role too low",
        $"Key '{keyName}' has role {held.Name()}; {method} {route} needs {needed.Name()}. Ask an admin for a key with role {needed.Name()}.",
        new() { ["role"] = held.Name(), ["requiredRole"] = needed.Name() });

    public static ProblemHttpResult TooManyFailures(TimeSpan retryAfter) => Problems.Create(
        StatusCodes.Status429TooManyRequests, DenialReasons.TooManyFailures, "Too many failed key checks",
        $"This address sent too many invalid API keys. Every request from it that carries a key is refused for {RetryAfterSeconds(retryAfter)} s more; then send a valid key.");

    public static ProblemHttpResult RateLimited(string who, TimeSpan? retryAfter) => Problems.Create(
        StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
        retryAfter is { } wait
            ? $"{who} made more requests than allowed in the current window; retry in {RetryAfterSeconds(wait)} s."
            : $"{who} made more requests than allowed in the current window; retry later.");

    /// <summary>Whole seconds, at least one, for the <c>Retry-After</c> header (RFC 9110 §10.2.3).</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}
