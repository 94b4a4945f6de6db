using ControlApi.Data;
using OpenTelemetry.Metrics;

namespace ControlApi.Metrics;

public static class MetricsExtensions
{
    /// <summary>
    /// OpenTelemetry metrics exposed for Prometheus: ASP.NET Core's own request metrics
    /// (<c>http_server_request_duration_seconds</c>) and ControlApi's meter.
    /// </summary>
    public static WebApplicationBuilder AddServiceMetrics(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ControlApiMetrics>();
        services.AddSingleton<ObservedGauges>();
        services.AddSingleton<RevisionStateMetrics>();
        services.ConfigureDbContext<ControlApiDbContext>(
            (provider, options) => options.AddInterceptors(provider.GetRequiredService<RevisionStateMetrics>()),
            ServiceLifetime.Scoped);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ControlApiMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format, without a key like the health probes
    /// (scrapers carry none); it shows counts and durations, no settings or secrets. Keep it off
    /// public ingress.
    /// </summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        // The scrape-time gauges exist once their owner does; create it now rather than on first use.
        app.Services.GetRequiredService<ObservedGauges>();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return app;
    }
}
