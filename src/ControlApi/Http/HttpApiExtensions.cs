using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlApi.Http;

public static class HttpApiExtensions
{
    public static WebApplicationBuilder AddHttpApi(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Settings bodies are checked at 64 KiB by the endpoints; this is the outer fence.
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.AddServerHeader = false;
        });

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            // Numbers are numbers: the web defaults also read "3" as 3, which makes the OpenAPI document type
            // every integer as "integer or string" and generated clients fall back to object.
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });

        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // A key pasted into a URL must not come back in the answer.
            context.ProblemDetails.Instance ??= Security.ApiKeyTokens.Redact(context.HttpContext.Request.Path.Value ?? "");
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });

        builder.Services.AddOpenApi("v1", openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "ControlApi",
                Version = "v1",
                Description = "Desired Cilium settings for GitOps-run Talos clusters: validate, revise, render, commit, follow until live.",
            };
            return Task.CompletedTask;
        }).AddControlApiShaping());
        return builder;
    }

    public static WebApplication UseHttpApi(this WebApplication app)
    {
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            // Unexpected failures answer as problem details without internals; the log has the exception.
            var feature = context.Features.Get<IExceptionHandlerFeature>();
            if (feature?.Error is { } error && ControlApi.Persistence.StorageFaults.Classify(error) is { } fault)
            {
                context.RequestServices.GetRequiredService<ControlApi.Persistence.StorageHealth>().Report(fault);
                await Problems.StorageUnavailable(context, fault).ExecuteAsync(context);
                return;
            }
            var status = feature?.Error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            var result = status switch
            {
                500 => Problems.Create(500, "internal-error", "Internal error",
                    $"ControlApi failed to handle this request; nothing was changed unless a revision is listed. Report trace id {context.TraceIdentifier}."),
                413 => Problems.Create(413, "payload-too-large", "Request body too large",
                    $"{feature?.Error.Message} Send only the object the operation takes (see /openapi/v1.json); Cilium settings are far smaller."),
                415 => Problems.UnsupportedMediaType(context.Request.ContentType, "application/json"),
                // The framework's own message names the parameter; the advice says what a readable request looks like.
                _ => Problems.Create(status, "bad-request", "Bad request",
                    $"{feature?.Error.Message ?? "The request could not be read."} Send the body as JSON of the operation's schema (numbers and true/false unquoted) with Content-Type: application/json; /openapi/v1.json has the schema and an example."),
            };
            await result.ExecuteAsync(context);
        }));
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var status = context.Response.StatusCode;
            var result = status switch
            {
                404 => Problems.Create(404, "not-found", "Not found", $"No endpoint answers {context.Request.Method} {context.Request.Path}. See /swagger for the API."),
                415 => Problems.UnsupportedMediaType(context.Request.ContentType, ExpectedContentTypes(context)),
                405 => Problems.Create(405, "method-not-allowed", "Method not allowed", $"{context.Request.Method} is not allowed on {context.Request.Path}. See /swagger for the API."),
                400 => Problems.Create(400, "bad-request", "Bad request",
                    $"{context.Request.Method} {context.Request.Path} could not be read: the JSON body, a route value, a query parameter or a header has the wrong form (strings quoted; numbers and true/false unquoted). See /openapi/v1.json for what this operation takes, with an example body."),
                406 => Problems.Create(406, "not-acceptable", "Not acceptable",
                    "This endpoint answers application/json (problems: application/problem+json); send Accept: application/json or leave Accept out."),
                _ => Problems.Create(status, "http-" + status, "Request failed",
                    $"The request failed with HTTP {status}. See /openapi/v1.json for what {context.Request.Method} {context.Request.Path} takes."),
            };
            await result.ExecuteAsync(context);
        });

        // Public, like Swagger UI: the document says how to authenticate, so it cannot require it.
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // Built on the first request under /swagger: its middleware and embedded files are not loaded by a
        // start that nobody browses (README "Start-up and memory"); other paths pass by as before.
        app.UseWhenFirstRequested(SwaggerPrefix, swagger => swagger.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "ControlApi v1");
            ui.RoutePrefix = SwaggerPrefix.Value!.TrimStart('/');
            ui.DocumentTitle = "ControlApi — Swagger UI";
        }));
        return app;
    }

    private static readonly PathString SwaggerPrefix = "/swagger";

    /// <summary>
    /// Middleware for requests under <paramref name="prefix"/>, built by <paramref name="configure"/>
    /// when the first of them arrives (once, whoever is first); it runs in the same place of the
    /// pipeline and hands what it does not answer to the rest of it, as if added directly.
    /// </summary>
    public static IApplicationBuilder UseWhenFirstRequested(this IApplicationBuilder app, PathString prefix, Action<IApplicationBuilder> configure) =>
        app.Use(next =>
        {
            var branch = new Lazy<RequestDelegate>(() =>
            {
                var builder = app.New();
                configure(builder);
                builder.Run(next);
                return builder.Build();
            }, LazyThreadSafetyMode.ExecutionAndPublication);
            return context => context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)
                ? branch.Value(context)
                : next(context);
        });

    /// <summary>
    /// Routing itself answers 415 (an empty body) when a request's Content-Type misses an endpoint's
    /// Accepts metadata; this names what the matching endpoint accepts so the problem says what to send.
    /// </summary>
    private static string ExpectedContentTypes(HttpContext context)
    {
        var path = context.Request.Path;
        var accepted = context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase) == true)
            .Where(e => new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText ?? ""), new RouteValueDictionary()).TryMatch(path, new RouteValueDictionary()))
            .SelectMany(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return accepted.Count == 0 ? "application/json" : string.Join(" or ", accepted);
    }
}
