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
    public const string MergePatchSchema = "CiliumSettingsMergePatch";

    public static OpenApiOptions AddControlApiShaping(this OpenApiOptions options) => options
        .AddDocumentTransformer((document, _, _) =>
        {
            DescribeProblems(document);
            DescribeMergePatch(document);
            AddExamples(document);
            return Task.CompletedTask;
        })
        .AddOperationTransformer((operation, context, _) =>
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

    /// <summary>The problem members ControlApi adds: errors[] (code, pointer, message), warnings, pointer, traceId, currentRevision.</summary>
    private static void DescribeProblems(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.TryGetValue("ProblemDetails", out var found) != true || found is not OpenApiSchema problem) return;
        var issue = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One rule a request breaks.",
            Required = new HashSet<string> { "code", "pointer", "message" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["code"] = Text("A stable rule code scripts can match on."),
                ["pointer"] = Text("RFC 6901 JSON Pointer to the member of the request at fault, e.g. /encryption/nodeEncryption."),
                ["message"] = Text("What is wrong and what to send instead."),
            },
        };
        document.Components.Schemas["ProblemIssue"] = issue;
        problem.Description = "RFC 9457 problem details; 'type' is a stable urn:controlapi:problem:* code and 'detail' says what to send instead.";
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        var issueRef = new OpenApiSchemaReference("ProblemIssue", document);
        problem.Properties["errors"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = issueRef, Description = "Every rule the request breaks (422 validation-failed)." };
        problem.Properties["warnings"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = issueRef, Description = "Advice that does not refuse the request." };
        problem.Properties["pointer"] = Text("JSON Pointer to the member that could not be read (400).");
        problem.Properties["traceId"] = Text("The trace id to report with this answer.");
        problem.Properties["currentRevision"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "The cluster's newest revision (404 revision-not-found, 412)." };
    }

    /// <summary>PATCH takes an RFC 7396 merge patch of the settings: every settings member, null resets it.</summary>
    private static void DescribeMergePatch(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.TryGetValue("CiliumSettings", out var found) != true || found is not OpenApiSchema settings) return;
        document.Components.Schemas[MergePatchSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A JSON merge patch (RFC 7396) of CiliumSettings: members sent replace (objects merge), null resets a member to its default, members left out stay.",
            Properties = (settings.Properties ?? new Dictionary<string, IOpenApiSchema>()).ToDictionary(
                p => p.Key,
                p => (IOpenApiSchema)new OpenApiSchema { AnyOf = [p.Value, new OpenApiSchema { Type = JsonSchemaType.Null }] }),
        };
        foreach (var path in document.Paths.Values)
            foreach (var (method, operation) in path.Operations ?? [])
                if (method == HttpMethod.Patch && operation.RequestBody?.Content?.TryGetValue("application/merge-patch+json", out var media) == true && media is OpenApiMediaType patch)
                    patch.Schema = new OpenApiSchemaReference(MergePatchSchema, document);
    }

    /// <summary>Request body examples: the settings ControlApi starts a cluster with, and small patches.</summary>
    private static void AddExamples(OpenApiDocument document)
    {
        // Members left null are left out: they mean "the default", and the example stays short.
        var json = new System.Text.Json.JsonSerializerOptions(ControlApi.Core.Settings.SettingsJson.Options)
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };
        foreach (var path in document.Paths.Values)
            foreach (var (method, operation) in path.Operations ?? [])
                foreach (var (mediaType, media) in operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
                {
                    if (media is null || media.Example is not null) continue;
                    var reference = (media.Schema as OpenApiSchemaReference)?.Reference.Id;
                    media.Example = reference switch
                    {
                        "CiliumSettings" => System.Text.Json.JsonSerializer.SerializeToNode(ControlApi.Core.Settings.CiliumSettings.Defaults, json),
                        MergePatchSchema => JsonNode.Parse("""{"hubble":{"enabled":true},"encryption":null}"""),
                        "FeatureSwitch" => JsonNode.Parse("""{"enabled":true}"""),
                        _ => null,
                    };
                }
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };

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
