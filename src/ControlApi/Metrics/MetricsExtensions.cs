using System.Diagnostics.Metrics;
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
            // Singleton like the context's options (PersistenceExtensions builds them once): a scoped
            // configuration cannot be read from the root, and Development's scope validation refuses to start.
            ServiceLifetime.Singleton);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ControlApiMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .OnlyThisHostsMeters()
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

    /// <summary>
    /// Meters are process-wide: the provider listens by name, so a second host in the process
    /// (tests, a restart in place) would have its histograms summed into this one's. Instruments of
    /// a meter made by another host's <see cref="IMeterFactory"/> are dropped; meters without a
    /// factory (static ones) are kept.
    /// </summary>
    private static MeterProviderBuilder OnlyThisHostsMeters(this MeterProviderBuilder metrics) =>
        metrics is IDeferredMeterProviderBuilder deferred
            ? deferred.Configure((provider, builder) =>
            {
                var factory = provider.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, factory)
                    ? null
                    : MetricStreamConfiguration.Drop);
            })
            : throw new InvalidOperationException("The meter provider builder cannot defer configuration.");
}
