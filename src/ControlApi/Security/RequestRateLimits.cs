using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ControlApi.Security;

/// <summary>
/// ASP.NET Core rate limiting, two fixed windows chained: one per API key and one per client address
/// (every request, with or without a key). Over either → 429 problem details with <c>Retry-After</c>.
/// The windows are counted when requests come (<see cref="FixedWindowPartitions"/>), not by a timer.
/// </summary>
public static class RequestRateLimits
{
    public static void Configure(RateLimiterOptions limiter, SecurityOptions security, TimeProvider time)
    {
        var limits = security.RateLimits;
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
            new FixedWindowPartitions(context => context.User.FindFirstValue(ApiKeyClaims.KeyId), limits.PerKey, limits.Window, time),
            new FixedWindowPartitions(ClientAddress.Of, limits.PerAddress, limits.Window, time));
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            var context = rejected.HttpContext;
            TimeSpan? retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
            if (retryAfter is { } seconds)
                context.Response.Headers.RetryAfter = SecurityProblems.RetryAfterSeconds(seconds).ToString(CultureInfo.InvariantCulture);
            var who = context.User.Identity is { IsAuthenticated: true, Name: { } name } ? $"Key '{name}'" : $"Address {ClientAddress.Of(context)}";
            await SecurityProblems.RateLimited(who, retryAfter).ExecuteAsync(context);
        };
    }

    /// <summary>
    /// The configured limiter in front of every endpoint, as ASP.NET Core's rate limiting middleware
    /// applies a global limiter (429 and <see cref="RateLimiterOptions.OnRejected"/> when refused) —
    /// without that middleware, which also builds a partitioned limiter for endpoint policies (none
    /// here) whose 100 ms timer would wake the idle service ten times a second.
    /// </summary>
    public static IApplicationBuilder UseRequestRateLimits(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimiterOptions>>().Value;
        var limiter = options.GlobalLimiter ?? throw new InvalidOperationException("No request rate limiter is configured.");
        return app.Use(async (context, next) =>
        {
            using var lease = await limiter.AcquireAsync(context, 1, context.RequestAborted);
            if (!lease.IsAcquired)
            {
                context.Response.StatusCode = options.RejectionStatusCode;
                if (options.OnRejected is { } rejected)
                    await rejected(new OnRejectedContext { HttpContext = context, Lease = lease }, context.RequestAborted);
                return;
            }
            await next(context);
        });
    }
}
