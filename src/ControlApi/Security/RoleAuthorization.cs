using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace ControlApi.Security;

/// <summary>
/// The least role a request needs. With a fixed <see cref="Role"/> it is that role; without one it
/// follows the method — reads need viewer, anything else operator — so an endpoint mapped without a
/// policy is still closed to anonymous callers and a forgotten write is not open to viewers.
/// </summary>
public sealed class MinimumRoleRequirement(Role? role) : IAuthorizationRequirement
{
    public Role? Role { get; } = role;

    public Role RequiredFor(HttpRequest? request) => Role ?? ForMethod(request?.Method);

    public static Role ForMethod(string? method) =>
        method is null || HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            ? Security.Role.Viewer
            : Security.Role.Operator;
}

public sealed class MinimumRoleHandler : AuthorizationHandler<MinimumRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MinimumRoleRequirement requirement)
    {
        var request = context.Resource switch
        {
            HttpContext http => http.Request,
            _ => null,
        };
        if (RoleOf(context.User) is { } held && held.Includes(requirement.RequiredFor(request)))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }

    public static Role? RoleOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Roles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : null;
}

/// <summary>Policy names; <see cref="RequireRole{TBuilder}"/> is how an endpoint states its role.</summary>
public static class SecurityPolicies
{
    public const string Viewer = "role:viewer";
    public const string Operator = "role:operator";
    public const string Approver = "role:approver";
    public const string Admin = "role:admin";

    public static string For(Role role) => role switch
    {
        Role.Viewer => Viewer,
        Role.Operator => Operator,
        Role.Approver => Approver,
        Role.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a role."),
    };

    /// <summary>The policy of endpoints that name none: viewer for reads, operator for everything else.</summary>
    public static Role? RoleOf(string? policy) => policy switch
    {
        Viewer => Role.Viewer,
        Operator => Role.Operator,
        Approver => Role.Approver,
        Admin => Role.Admin,
        _ => null,
    };

    public static AuthorizationPolicy ByMethod { get; } = new AuthorizationPolicyBuilder()
        .AddRequirements(new MinimumRoleRequirement(null))
        .Build();

    public static AuthorizationPolicy Build(Role role) => new AuthorizationPolicyBuilder()
        .AddRequirements(new MinimumRoleRequirement(role))
        .Build();

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, Role role) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(For(role));

    /// <summary>The role a policy asks of this request (for the 403 answer and the OpenAPI document).</summary>
    public static Role RequiredRole(AuthorizationPolicy policy, HttpRequest? request) =>
        policy.Requirements.OfType<MinimumRoleRequirement>().Select(r => r.RequiredFor(request)).DefaultIfEmpty(Role.Viewer).Max();
}
