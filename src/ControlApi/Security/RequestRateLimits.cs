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
}
