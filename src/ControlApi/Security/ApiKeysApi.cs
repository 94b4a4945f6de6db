using System.Text.RegularExpressions;
using ControlApi.Audit;
using ControlApi.Data.Entities;
using ControlApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Security;

/// <summary>
/// API keys: create (the secret is shown once), list (never secrets), revoke. Admin only. Answers
/// never echo caller text here: a key pasted into the wrong field must not come back in a response.
/// </summary>
public static partial class ApiKeysApi
{
    public const string Route = "/apikeys";

    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup(Route).WithTags("API keys").RequireRole(Role.Admin);

        group.MapPost("", CreateKey)
            .WithName("CreateApiKey")
            .WithDescription("Send {\"name\", \"role\", \"person\"} with role viewer (reads), operator (changes), approver (changes, and approving others' changes where a cluster's policy asks for approvers) or admin (keys, webhooks, and everything an approver does). 'person' (optional, default: the name) is the human who holds the key: approvals count people, so two keys of one person approve once, and nobody approves a change made with a key of theirs. The answer's 'key' is the secret itself: store it now, it is kept only as a hash. A name already in use answers 409.")
            .WithSummary("Create a key with a name and a role; the answer carries the key itself, shown only this once.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            // The body is bound by the framework, which refuses other content types itself.
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("", ListKeys)
            .WithName("ListApiKeys")
            .WithDescription("Id, name, role, who created it and when, when it was last used and when it was revoked. The secrets themselves are never stored, so they cannot be shown.")
            .WithSummary("Every key, revoked ones included, without secrets.");

        group.MapDelete("/{id}", RevokeKey)
            .WithName("RevokeApiKey")
            .WithDescription("{id} is the part of the key between 'cak_' and the next '_'. The key is refused from the next request on; it stays in the list with revokedAt and revokedBy. An unknown id answers 404.")
            .WithSummary("Revoke a key: it stops working at once; it stays listed with its revocation time.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    public static async Task<Results<Created<CreatedApiKeyResource>, ProblemHttpResult>> CreateKey(
        CreateApiKeyRequest request, HttpContext context, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim() ?? "";
        if (!KeyName().IsMatch(name))
            return Problems.BadRequest("invalid-key-name", "Invalid key name",
                "name must be 1-64 characters: letters, digits and . _ @ - (e.g. ci-bot or alice@example.org), starting with a letter or digit.", "/name");
        if (name.StartsWith(ApiKeyTokens.Prefix, StringComparison.Ordinal))
            return Problems.BadRequest("invalid-key-name", "Invalid key name",
                $"A name must not start with '{ApiKeyTokens.Prefix}': that looks like a key, and names are shown everywhere.", "/name");
        if (name == BootstrapAdminKey.KeyName)
            return Problems.BadRequest("reserved-key-name", "Reserved key name",
                $"'{BootstrapAdminKey.KeyName}' names the {SecurityOptions.AdminKeyVariable} key; choose another name.", "/name");
        if (!Roles.TryParse(request.Role, out var role))
            return Problems.BadRequest("invalid-role", "Invalid role",
                $"role must be one of {string.Join(", ", Roles.All)}.", "/role");
        var person = request.Person?.Trim();
        if (person is { Length: 0 }) person = null;
        if (person is not null && !KeyName().IsMatch(person))
            return Problems.BadRequest("invalid-person", "Invalid person",
                "person must be 1-64 characters: letters, digits and . _ @ - (e.g. alice@example.org), starting with a letter or digit; leave it out to use the key's name.", "/person");

        var outcome = await keys.CreateAsync(name, role, Caller.Name(context), AuditSources.Api, cancellationToken, person);
        switch (outcome)
        {
            case KeyCreation.Created created:
                // The one response that carries a secret must not be kept by any cache on the way.
                context.Response.Headers.CacheControl = "no-store";
                return TypedResults.Created($"/api/v1{Route}/{created.Key.Id}", CreatedApiKeyResource.From(created.Key, created.Text));
            case KeyCreation.NameTaken taken:
                return Problems.Create(StatusCodes.Status409Conflict, "key-name-taken", "Key name in use",
                    $"An active key is already named '{taken.Name}'; key names are revision authors, so they are unique. Revoke that key or choose another name.");
            default:
                throw new InvalidOperationException($"Unhandled key creation outcome {outcome.GetType().Name}.");
        }
    }

    public static async Task<Ok<IReadOnlyList<ApiKeyResource>>> ListKeys(ApiKeyStore keys, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ApiKeyResource>>((await keys.ListAsync(cancellationToken)).Select(ApiKeyResource.From).ToList());

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(
        string id, HttpContext context, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var outcome = await keys.RevokeAsync(id, Caller.Name(context), AuditSources.Api, cancellationToken);
        return outcome switch
        {
            KeyRevocation.Revoked or KeyRevocation.AlreadyRevoked => TypedResults.NoContent(),
            _ => Problems.Create(StatusCodes.Status404NotFound, "key-not-found", "Unknown key",
                $"No key has this id. GET /api/v1{Route} lists the ids. (The {SecurityOptions.AdminKeyVariable} key is not stored; unset the variable to retire it.)"),
        };
    }

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\z")]
    private static partial Regex KeyName();
}

public sealed record CreateApiKeyRequest(string? Name, string? Role, string? Person = null);

/// <summary>A key as listed: never its secret or hash.</summary>
public sealed record ApiKeyResource(
    string Id, string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, string? RevokedBy, string Person)
{
    public static ApiKeyResource From(ApiKey key) =>
        new(key.Id, key.Name, key.Role, key.CreatedAt, key.CreatedBy, key.LastUsedAt, key.RevokedAt, key.RevokedBy, key.Person ?? key.Name);
}

/// <summary>The answer to creating a key: <see cref="Key"/> is the secret, returned this once and never again.</summary>
public sealed record CreatedApiKeyResource(string Id, string Name, string Role, DateTimeOffset CreatedAt, string Key, string Person)
{
    public static CreatedApiKeyResource From(ApiKey key, string text) => new(key.Id, key.Name, key.Role, key.CreatedAt, text, key.Person ?? key.Name);
}
