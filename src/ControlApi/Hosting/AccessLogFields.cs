using ControlApi.Security;
using Microsoft.AspNetCore.HttpLogging;

namespace ControlApi.Hosting;

/// <summary>
/// Completes the one access log line per request (<see cref="HostingExtensions.AddProductionLogging"/>):
/// who called — the API key's public id, or <c>-</c> for none — and the path with any key-shaped
/// text reduced to its public id, since a key pasted into a URL must not reach the log. The trace id
/// comes with the line's scope.
/// </summary>
public sealed class AccessLogFields : IHttpLoggingInterceptor
{
    public const string KeyId = "KeyId";
    public const string Path = "Path";

    public ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext)
    {
        // The path is written below, redacted, instead of as the request arrived.
        if (logContext.TryDisable(HttpLoggingFields.RequestPath))
            logContext.AddParameter(Path, ApiKeyTokens.Redact(logContext.HttpContext.Request.PathBase + logContext.HttpContext.Request.Path));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext)
    {
        // Authentication ran by now; a refused key still names the key it tried.
        var keyId = logContext.HttpContext.User.FindFirst(ApiKeyClaims.KeyId)?.Value
            ?? logContext.HttpContext.Features.Get<AuthenticationAttempt>()?.KeyId;
        logContext.AddParameter(KeyId, keyId ?? "-");
        return ValueTask.CompletedTask;
    }
}
