using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace ControlApi.Security;

/// <summary>
/// Answers every request the authorization middleware refuses: 401 (no or bad key, with
/// <c>WWW-Authenticate</c>), 403 (role too low) or 429 (address locked out after failed checks), each
/// as problem details saying what to do, and each recorded as a capped <c>auth.denied</c> event.
/// </summary>
public sealed class DeniedRequestResponder(DeniedRequestAudit audit, IHostApplicationLifetime lifetime) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        var attempt = context.Features.Get<AuthenticationAttempt>() ?? AuthenticationAttempt.Missing;
        var request = context.Request;
        var origin = RequestOrigin.Of(context);
        var needed = SecurityPolicies.RequiredRole(policy, request);
        IResult answer;
        int status;
        string reason;

        if (authorizeResult.Forbidden && MinimumRoleHandler.RoleOf(context.User) is { } held)
        {
            (status, reason) = (StatusCodes.Status403Forbidden, DenialReasons.InsufficientRole);
            answer = SecurityProblems.Forbidden(attempt.KeyName ?? context.User.Identity?.Name ?? "?", held, needed, request.Method, origin.Route);
        }
        else if (attempt.Reason == DenialReasons.TooManyFailures)
        {
            (status, reason) = (StatusCodes.Status429TooManyRequests, attempt.Reason);
            context.Response.Headers.RetryAfter = SecurityProblems.RetryAfterSeconds(attempt.RetryAfter ?? TimeSpan.Zero).ToString(System.Globalization.CultureInfo.InvariantCulture);
            answer = SecurityProblems.TooManyFailures(attempt.RetryAfter ?? TimeSpan.Zero);
        }
        else
        {
            (status, reason) = (StatusCodes.Status401Unauthorized, attempt.Reason);
            context.Response.Headers.WWWAuthenticate = Challenges.For(request, attempt);
            answer = SecurityProblems.Unauthenticated(attempt);
        }

        // Recorded before answering, so the event exists by the time the caller reads the refusal.
        await audit.RecordAsync(new DeniedRequest(status, reason, origin.Method, origin.Route, origin.Path,
            origin.RemoteAddress, attempt.KeyId, attempt.KeyName, needed), lifetime.ApplicationStopping);
        await answer.ExecuteAsync(context);
    }
}
