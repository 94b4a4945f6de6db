using System.Globalization;
using System.Text.Json.Nodes;
using ControlApi.Core.Features;
using ControlApi.Core.Revisions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlApi.Http;

/// <summary>Endpoint metadata: this operation is a change and reads the change headers.</summary>
public sealed record ChangeOperation;

/// <summary>Endpoint metadata: a header the answer with this status carries (documented on that response).</summary>
public sealed record ResponseHeader(int Status, string Name, string Description);

public static class ResponseHeaderExtensions
{
    /// <summary>Documents a header the endpoint really sends with <paramref name="status"/>.</summary>
    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder builder, int status, string name, string description) =>
        builder.WithMetadata(new ResponseHeader(status, name, description));

    /// <summary>The revision ETag a read answers with (If-None-Match / If-Match take it back).</summary>
    public static RouteHandlerBuilder WithRevisionETag(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK) =>
        builder.WithResponseHeader(status, "ETag", "The revision's entity tag, e.g. \"3\"; send it as If-Match with the next change.");
}

/// <summary>
/// OpenAPI shaping in one place, read from endpoint metadata rather than hand edits per endpoint:
/// change headers, response headers (ETag, Location, Retry-After), the problem schema on every refusal,
/// string enums (features, waitFor, states), the merge patch body, examples and tag descriptions.
/// HttpFilesReplayTests and GeneratedClientTests hold the result to what the service really answers.
/// </summary>
public static class OpenApiShaping
{
    public const string MergePatchSchema = "CiliumSettingsMergePatch";

    public static OpenApiOptions AddControlApiShaping(this OpenApiOptions options) => options
        .AddDocumentTransformer((document, _, _) =>
        {
            DescribeProblems(document);
            DescribeMergePatch(document);
            NameEnumsWithoutNull(document);
            foreach (var schema in document.Components?.Schemas?.Values ?? []) NullableAnyIsAny(schema, []);
            DescribeRefusals(document);
            AddExamples(document);
            DescribeTags(document);
            // Paths start with '/': a server URL ending in one would make "//api/…" when joined.
            foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
            return Task.CompletedTask;
        })
        .AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<ChangeOperation>().Any()) DocumentChangeHeaders(operation);
            // Anonymous operations say so (an empty requirement), rather than leaving a reader to guess.
            if (metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any()) operation.Security = [new OpenApiSecurityRequirement()];
            foreach (var header in metadata.OfType<ResponseHeader>())
                if (operation.Responses?.TryGetValue(header.Status.ToString(CultureInfo.InvariantCulture), out var response) == true && response is OpenApiResponse answer)
                {
                    answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    answer.Headers[header.Name] = StringHeader(header.Description);
                }
            // Minimal APIs answer 400 themselves when a typed query value (number, true/false) cannot be read.
            if (operation.Parameters?.Any(p => p.In == ParameterLocation.Query && p.Schema?.Type is { } type && type != JsonSchemaType.String) == true)
            {
                operation.Responses ??= [];
                operation.Responses.TryAdd("400", new OpenApiResponse());
            }
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter is OpenApiParameter { Name: "feature", In: ParameterLocation.Path } feature)
                    feature.Schema = StringEnum(FeatureCatalog.All.Select(f => f.Name));
                // The states a wait can name: the success path; the answer also ends on a failure state.
                if (parameter is OpenApiParameter { Name: "waitFor", In: ParameterLocation.Query } waitFor)
                    waitFor.Schema = StringEnum(RevisionWait.SuccessPath.Select(s => s.ToString()));
            }
            return Task.CompletedTask;
        });

    /// <summary>One line per tag, as Swagger UI shows above each group.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Health"] = "Liveness and readiness probes; no key.",
        ["Clusters"] = "The configured clusters and whether ControlApi manages their Cilium release.",
        ["Cilium settings"] = "The desired Cilium settings: read, replace, merge-patch, plan, and the files they render to.",
        ["Features"] = "Switch one feature (encryption, host firewall, …) on or off by name.",
        ["Revisions"] = "The numbered history of a cluster's settings: list, follow (and wait for) one, diff two, roll back.",
        ["Status"] = "What the cluster runs, as last observed, and asking Flux to reconcile now.",
        ["Adoption"] = "Take over a Cilium release that was installed before ControlApi.",
        ["Audit"] = "Who did what and when: query, export, verify the hash chain, stream live.",
        ["API keys"] = "Keys and their roles (admin).",
        ["Webhooks"] = "Signed deliveries of audit events to other systems (admin).",
        ["Chatops"] = "Slack, Mattermost and Teams commands, verified by the platform's signature instead of a key.",
    };

    private static void DescribeTags(OpenApiDocument document)
    {
        var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name).OfType<string>().Distinct().ToList();
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var name in used)
        {
            var tag = document.Tags.FirstOrDefault(t => t.Name == name);
            if (tag is null) document.Tags.Add(tag = new OpenApiTag { Name = name });
            if (string.IsNullOrEmpty(tag.Description) && TagDescriptions.TryGetValue(name, out var description)) tag.Description = description;
        }
    }

    private static OpenApiSchema StringEnum(IEnumerable<string> names) => new()
    {
        Type = JsonSchemaType.String,
        Enum = names.Select(n => (JsonNode)JsonValue.Create(n)!).ToList(),
    };

    /// <summary>
    /// ASP.NET Core puts null into a shared enum component when some property using it is nullable
    /// (RevisionState, TunnelProtocol). Those properties already say "null or the enum" with oneOf, so the
    /// component lists the names only, typed as string — what generators need to make a real enum.
    /// </summary>
    private static void NameEnumsWithoutNull(OpenApiDocument document)
    {
        foreach (var schema in document.Components?.Schemas?.Values ?? [])
        {
            if (schema is not OpenApiSchema { Enum: { Count: > 0 } values } named) continue;
            if (values.All(v => v is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String || v is null))
            {
                named.Enum = values.Where(v => v is not null).ToList();
                named.Type = JsonSchemaType.String;
            }
        }
    }

    /// <summary>
    /// A nullable member comes out as oneOf [null, X]; when X admits null too (JsonElement: any JSON value,
    /// a schema without a type) a null matches both branches and a strict validator refuses it, and
    /// generators make a class of it. Such a member is simply any JSON value: the empty schema.
    /// </summary>
    private static void NullableAnyIsAny(IOpenApiSchema schema, HashSet<IOpenApiSchema> seen)
    {
        if (schema is not OpenApiSchema concrete || !seen.Add(concrete)) return;
        // Only there: generators read oneOf [null, $ref] as "a nullable X", so the other nullable members keep it.
        if (concrete.OneOf is { Count: 2 } branches && branches.Any(b => b is OpenApiSchema { Type: JsonSchemaType.Null })
            && branches.Any(b => b is OpenApiSchemaReference { Type: null, Enum: null or { Count: 0 }, Properties: null or { Count: 0 }, AnyOf: null, OneOf: null, AllOf: null }))
        {
            concrete.OneOf = null;
        }
        foreach (var child in (concrete.Properties?.Values ?? []).Concat(concrete.AnyOf ?? []).Concat(concrete.AllOf ?? []).Concat(concrete.OneOf ?? [])
                     .Append(concrete.Items).Append(concrete.AdditionalProperties).OfType<IOpenApiSchema>())
            NullableAnyIsAny(child, seen);
    }

    /// <summary>
    /// Every refusal is problem details (the security layer, the status-code pages and the endpoints all
    /// answer application/problem+json), so every 4xx/5xx without a body schema gets the problem schema;
    /// 429 always carries Retry-After; every 201/202 carries Location (the created or accepted resource).
    /// </summary>
    private static void DescribeRefusals(OpenApiDocument document)
    {
        foreach (var path in document.Paths.Values)
            foreach (var (_, operation) in path.Operations ?? [])
                foreach (var (status, response) in operation.Responses ?? [])
                {
                    if (response is not OpenApiResponse answer || !int.TryParse(status, out var code)) continue;
                    if (code >= 400 && (answer.Content is null || answer.Content.Count == 0))
                        answer.Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
                        };
                    if (code is 201 or 202 || code == 429) answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    if (code is 201 or 202)
                        answer.Headers!.TryAdd("Location", StringHeader(code == 201
                            ? "The URL of what was created."
                            : "The URL to follow: the new revision (GET it, or GET it with ?waitFor=Verified to block until it is live), or the status a reconcile updates."));
                    if (code == 429)
                        answer.Headers!.TryAdd("Retry-After", new OpenApiHeader
                        {
                            Description = "Seconds to wait before sending again.",
                            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                        });
                    if (string.IsNullOrEmpty(answer.Description) || answer.Description == ReasonPhrase(code))
                        answer.Description = DescribeStatus(code, answer.Description);
                }
    }

    private static string? ReasonPhrase(int code) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code) is { Length: > 0 } phrase ? phrase : null;

    /// <summary>What each status means in this API, for responses the endpoints did not describe themselves.</summary>
    private static string DescribeStatus(int code, string? fallback) => code switch
    {
        200 => "OK.",
        201 => "Created; Location names it.",
        202 => "Accepted: a new revision, committed in the background; Location names it.",
        204 => "Done; no body.",
        304 => "Not modified since the ETag sent in If-None-Match.",
        400 => "The request could not be read (a parameter, header or body member); 'detail' (and 'pointer' for a body member) says what to send.",
        404 => "No such cluster, revision, feature or resource; 'detail' lists what exists.",
        409 => "Conflicts with the cluster's state (e.g. adopt the existing release first, or the cluster is not connected); 'detail' says what to do.",
        412 => "If-Match names an older revision; 'currentRevision' and the ETag header give the current one to retry with.",
        413 => "The body is larger than the limit; send only the settings object.",
        415 => "Wrong Content-Type; 'detail' names the content type to send.",
        422 => "Refused by the rules; 'errors' lists every rule broken with its JSON pointer and what to send instead.",
        503 => "A dependency is not reachable right now; retry later.",
        _ => fallback ?? "See 'detail'.",
    };

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
        // Accepts<JsonObject> was only there to name the media type; the merge patch schema replaced it everywhere.
        document.Components.Schemas.Remove("JsonObject");
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
        Header(operation, HostFirewall.HostFirewallOverrideHeader.Name,
            "Admins only, with X-Change-Reason: 'enforce' enforces the host firewall although its audit gate refuses (host-firewall-audit-shows-drops); audited as hostfirewall.enforce.override. Another role gets 403.");
        Header(operation, Canary.RolloutHeaders.RolloutHeader, "'canary' tries the change on a few nodes first (a CiliumNodeConfig; promote it afterwards); 'all' or none rolls it out everywhere. A change that is more than cilium-config keys answers 422 canary-not-possible.");
        Header(operation, Canary.RolloutHeaders.NodesHeader, "With X-Rollout: canary, the canary nodes as a label selector in kubectl's form, e.g. 'kubernetes.io/hostname in (node-01,node-02)' or 'role=canary'; default: the cluster's Canary:NodeSelector.");
        Header(operation, Governance.WindowOverride.Header,
            "Admins only: why the change is committed now although the cluster's change window is closed (audited as change.window_overridden). Other keys get 403; without it a change outside the window waits as Scheduled or is refused with 423, as the cluster's policy says.");

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse answer || status is not ("200" or "202" or "412")) continue;
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            answer.Headers["ETag"] = StringHeader("The revision's ETag, e.g. \"4\"; send it as If-Match with the next change.");
            if (status == "202")
                answer.Headers["Location"] = StringHeader("The new revision's URL; GET it to follow the revision until it is live.");
            if (status is "200" or "202")
                answer.Headers["Idempotent-Replayed"] = StringHeader("'true' when this is the stored answer to an earlier request with the same Idempotency-Key.");
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
