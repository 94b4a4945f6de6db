using System.Text.Json.Nodes;
using ControlApi.Core.Features;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlApi.Http;

/// <summary>Endpoint metadata: this operation is a change and reads the change headers.</summary>
public sealed record ChangeOperation;

/// <summary>
/// OpenAPI shaping in one place, read from endpoint metadata rather than hand edits per endpoint:
/// change headers, response headers, the feature enum.
/// </summary>
public static class OpenApiShaping
{
    public static OpenApiOptions AddControlApiShaping(this OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<ChangeOperation>().Any()) DocumentChangeHeaders(operation);
            foreach (var parameter in operation.Parameters ?? [])
                if (parameter is OpenApiParameter { Name: "feature", In: ParameterLocation.Path } feature)
                    feature.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Enum = FeatureCatalog.All.Select(f => (JsonNode)JsonValue.Create(f.Name)!).ToList(),
                    };
            return Task.CompletedTask;
        });

    private static void DocumentChangeHeaders(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        Header(operation, "If-Match", "The ETag of the revision this change builds on, e.g. \"3\" (from GET .../cilium). A mismatch answers 412.");
        Header(operation, ChangeHeaders.IdempotencyKeyHeader, "A key unique to this change; a retry with the same key and request answers the first answer again.");
        Header(operation, ChangeHeaders.ReasonHeader, "Why the change is made; recorded in the revision, the audit log and the commit message.");
        Header(operation, ChangeHeaders.OnBehalfOfHeader, "The person the caller acts for; recorded in the audit log.");

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse answer || status is not ("200" or "202" or "412")) continue;
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            answer.Headers["ETag"] = StringHeader("The revision's ETag, e.g. \"4\"; send it as If-Match with the next change.");
            if (status == "202")
                answer.Headers["Location"] = StringHeader("The new revision's URL; GET it to follow the revision until it is live.");
        }
    }

    private static void Header(OpenApiOperation operation, string name, string description)
    {
        if (operation.Parameters!.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))) return;
        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name, In = ParameterLocation.Header, Required = false, Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }

    private static OpenApiHeader StringHeader(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
}
