using Microsoft.AspNetCore.HttpLogging;

namespace ControlApi.Hosting;

/// <summary>Logs and shutdown fit for running as a pod.</summary>
public static class HostingExtensions
{
    /// <summary>
    /// JSON console logs outside Development (plain text in Development), each line carrying the
    /// request id and trace id; one line per request with method, path (key-shaped text redacted),
    /// status, duration and the caller's key id (<see cref="AccessLogFields"/>) — never headers,
    /// query strings or bodies, which is where secrets travel.
    /// </summary>
    public static WebApplicationBuilder AddProductionLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.IncludeScopes = false;
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(console =>
            {
                console.IncludeScopes = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        builder.Services.AddHttpLogging(logging =>
        {
            logging.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            logging.CombineLogs = true;
        });
        builder.Services.AddHttpLoggingInterceptor<AccessLogFields>();
        // Request lines are Information; keep them even where Microsoft.AspNetCore is quieter.
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", LogLevel.Information);
        return builder;
    }

    /// <summary>Listens on <see cref="ListenAddress.Default"/> unless the configuration chose an address.</summary>
    public static WebApplicationBuilder AddListenAddress(this WebApplicationBuilder builder)
    {
        if (ListenAddress.DefaultUnlessChosen(builder.Configuration) is { } url)
            builder.WebHost.UseUrls(url);
        return builder;
    }

    /// <summary>
    /// On SIGTERM: Kestrel stops taking requests, Hangfire hands cancellation to running jobs and
    /// waits for them within the grace period. A commit job cancelled mid-push leaves either a
    /// pushed commit (found by its trailer next time) or none; stale git locks are removed before reuse.
    /// </summary>
    public static WebApplicationBuilder AddGracefulShutdown(this WebApplicationBuilder builder)
    {
        var timeout = builder.Configuration.GetValue("ControlApi:ShutdownTimeout", TimeSpan.FromSeconds(25));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = timeout);
        return builder;
    }

    /// <summary>Start-up's garbage returned to the operating system once the start has settled (<see cref="StartupTrim"/>).</summary>
    public static WebApplicationBuilder AddStartupTrim(this WebApplicationBuilder builder)
    {
        builder.Services.AddHostedService<StartupTrim>();
        return builder;
    }
}
