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
            var result = Problems.Create(status, status == 500 ? "internal-error" : "bad-request",
                status == 500 ? "Internal error" : "Bad request",
                status == 500
                    ? $"ControlApi failed to handle this request; nothing was changed unless a revision is listed. Report trace id {context.TraceIdentifier}."
                    : feature?.Error.Message ?? "The request could not be read.");
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
                _ => Problems.Create(status, "http-" + status, "Request failed", $"The request failed with HTTP {status}."),
            };
            await result.ExecuteAsync(context);
        });

        // Public, like Swagger UI: the document says how to authenticate, so it cannot require it.
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "ControlApi v1");
            ui.RoutePrefix = "swagger";
            ui.DocumentTitle = "ControlApi — Swagger UI";
        });
        return app;
    }

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
