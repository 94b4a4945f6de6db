using Microsoft.Extensions.Options;

namespace ControlApi.Telemetry;

/// <summary>
/// <c>ControlApi:Tracing</c>: OpenTelemetry traces sent over OTLP. Off unless an endpoint is set
/// here or in the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable.
/// </summary>
public sealed class TracingOptions
{
    public const string SectionName = "ControlApi:Tracing";

    /// <summary>The collector's base URL, e.g. <c>http://otel-collector.observability:4317</c> (gRPC) or <c>:4318</c> (HTTP).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (OTLP's default, port 4317) or <c>http/protobuf</c> (port 4318; <c>/v1/traces</c> is appended).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "controlapi";

    /// <summary>Share of new traces kept (0–1); a caller's sampled <c>traceparent</c> is always followed.</summary>
    public double SampleRatio { get; set; } = 1.0;

    internal static bool IsKnownProtocol(string protocol) => protocol is "grpc" or "http/protobuf";
}

/// <summary>Refuses tracing settings that cannot work, naming each key, before the service takes requests.</summary>
public sealed class TracingOptionsValidator : IValidateOptions<TracingOptions>
{
    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        const string root = TracingOptions.SectionName;
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint) && !TracingExtensions.TryParseEndpoint(options.OtlpEndpoint, out _))
            failures.Add($"{root}:OtlpEndpoint '{options.OtlpEndpoint}' is not an absolute http(s) URL, e.g. http://otel-collector:4317.");
        if (!TracingOptions.IsKnownProtocol(options.OtlpProtocol))
            failures.Add($"{root}:OtlpProtocol '{options.OtlpProtocol}' must be grpc or http/protobuf.");
        if (string.IsNullOrWhiteSpace(options.ServiceName))
            failures.Add($"{root}:ServiceName must not be empty.");
        if (options.SampleRatio is < 0 or > 1 || double.IsNaN(options.SampleRatio))
            failures.Add($"{root}:SampleRatio {options.SampleRatio} must be between 0 and 1.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
