using System.Diagnostics;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ControlApi.Telemetry;

public static class TracingExtensions
{
    private const string StandardEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OpenTelemetry traces over OTLP when an endpoint is configured: incoming requests (not the
    /// probes or /metrics), outgoing HTTP (the Kubernetes API, webhooks) and ControlApi's job spans.
    /// Without an endpoint nothing is registered: no listener, no sampling, no cost. The batch is
    /// flushed when the host stops (<see cref="TracingFlush"/>), so the last spans of a pod are kept.
    /// </summary>
    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(TracingOptions.SectionName);
        services.AddOptions<TracingOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TracingOptions>, TracingOptionsValidator>();

        var options = section.Get<TracingOptions>() ?? new TracingOptions();
        // Invalid settings stop the start through the validator, with its message.
        var standardEndpoint = builder.Configuration[StandardEndpointVariable];
        if (!IsOn(options, standardEndpoint)) return builder;
        AddOtlpTracing(services, options);
        return builder;
    }

    /// <summary>
    /// Whether tracing is configured (and valid), without touching an OpenTelemetry type: with tracing
    /// off the OTLP exporter, its gRPC/protobuf code and the instrumentations are never loaded.
    /// </summary>
    private static bool IsOn(TracingOptions options, string? standardEndpoint)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint)) return !string.IsNullOrWhiteSpace(standardEndpoint);
        return TryParseEndpoint(options.OtlpEndpoint, out _) && TracingOptions.IsKnownProtocol(options.OtlpProtocol);
    }

    /// <summary>Every tracing type is referenced from here on, only when tracing is on (see <see cref="IsOn"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddOtlpTracing(IServiceCollection services, TracingOptions options)
    {
        var exporter = Exporter(options);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName,
                serviceVersion: typeof(TracingExtensions).Assembly.GetName().Version?.ToString(), serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                .AddSource(ControlApiActivities.SourceName)
                .AddAspNetCoreInstrumentation(aspnet =>
                {
                    aspnet.Filter = context => !IsProbeOrScrape(context.Request.Path);
                    aspnet.RecordException = true;
                })
                .AddHttpClientInstrumentation(http => http.EnrichWithHttpRequestMessage = (activity, request) => RedactUrl(activity, request.RequestUri))
                .AddProcessor(new BatchActivityExportProcessor(new OtlpTraceExporter(exporter))));
        // First registered, so it stops last: after Kestrel and the job servers have ended their spans.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, TracingFlush>());
    }

    internal static bool TryParseEndpoint(string value, out Uri endpoint) =>
        Uri.TryCreate(value, UriKind.Absolute, out endpoint!) && endpoint.Scheme is "http" or "https" && string.IsNullOrEmpty(endpoint.UserInfo);

    /// <summary>
    /// The exporter's settings once <see cref="IsOn"/> said tracing is on. The parameterless options read the
    /// standard <c>OTEL_EXPORTER_OTLP_*</c> variables (headers, timeout), then our keys win.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static OtlpExporterOptions Exporter(TracingOptions options)
    {
        var exporter = new OtlpExporterOptions();
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint) || !TryParseEndpoint(options.OtlpEndpoint, out var endpoint)) return exporter;
        exporter.Protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        // Set in code, the HTTP endpoint is used as given: name the traces path as the variable would.
        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/v1/traces")
            : endpoint;
        return exporter;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    /// <summary>
    /// Outgoing URLs can be credentials: a Slack incoming webhook or a receiver's tokenised path.
    /// Only Kubernetes API paths (<c>/api/…</c>, <c>/apis/…</c>) are kept; others keep the host only,
    /// and no query string is ever kept.
    /// </summary>
    private static void RedactUrl(Activity activity, Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri) return;
        var path = uri.AbsolutePath;
        var keepPath = path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/apis/", StringComparison.Ordinal);
        activity.SetTag("url.full", $"{uri.Scheme}://{uri.Authority}{(keepPath ? path : "/")}");
    }
}

/// <summary>
/// Flushes the span batch when the host stops, before the container tears the exporter down, so a
/// pod's last requests and jobs reach the collector within the shutdown budget.
/// </summary>
internal sealed class TracingFlush(TracerProvider tracer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        tracer.ForceFlush(timeoutMilliseconds: 5_000);
        return Task.CompletedTask;
    }
}
