using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlApi.Security;

/// <summary>
/// Declares the bearer scheme in the OpenAPI document and, on every operation that needs a key, the
/// requirement, the role and the refusals — so Swagger UI's Authorize button works and a reader knows
/// which key to ask for.
/// </summary>
public static class OpenApiSecurity
{
    public const string SchemeId = "bearer";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "cak_<id>_<secret>",
                Description = "An API key: 'Authorization: Bearer <key>'. Roles: viewer (reads), operator (changes), admin (keys, webhooks, dashboard).",
            };
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;

            var role = RoleOf(metadata, context.Description.HttpMethod);
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeId, context.Document)] = [] });
            var needs = $"Needs an API key with role {role.Name()} or higher.";
            operation.Description = string.IsNullOrEmpty(operation.Description) ? needs : $"{operation.Description}\n\n{needs}";
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No key, or an unreadable, unknown or revoked key (problem details; WWW-Authenticate: Bearer)." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The key's role is lower than {role.Name()} (problem details)." });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limit reached, or too many failed key checks from this address (problem details; Retry-After)." });
            return Task.CompletedTask;
        });
    }

    /// <summary>The role an endpoint's metadata asks for; without a policy, the method decides (see <see cref="MinimumRoleRequirement"/>).</summary>
    private static Role RoleOf(IList<object> metadata, string? method)
    {
        var named = metadata.OfType<IAuthorizeData>().Select(a => SecurityPolicies.RoleOf(a.Policy)).OfType<Role>().ToList();
        if (named.Count > 0) return named.Max();
        return MinimumRoleRequirement.ForMethod(method);
    }
}
