using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.HostFirewall;

/// <summary>
/// <c>X-Host-Firewall-Override: enforce</c>: an admin enforces the host firewall although its audit gate
/// refuses (no audit period, or required-port drops in the window). The reason is <c>X-Change-Reason</c>,
/// required, and the override is audited as <c>hostfirewall.enforce.override</c>.
/// </summary>
public static class HostFirewallOverrideHeader
{
    public const string Name = "X-Host-Firewall-Override";
    public const string Enforce = "enforce";

    public static bool Present(HttpContext context) => context.Request.Headers.ContainsKey(Name);

    /// <summary>The problem with the header, or null when it is absent or well-formed and allowed.</summary>
    public static ProblemHttpResult? Check(HttpContext context, ChangeHeaders headers)
    {
        if (!Present(context)) return null;
        var value = context.Request.Headers[Name].ToString().Trim();
        if (!string.Equals(value, Enforce, StringComparison.Ordinal))
            return Problems.BadRequest("invalid-header", "Invalid change header",
                $"{Name} must be '{Enforce}' (enforce the host firewall although its audit gate refuses); leave it out otherwise.");
        if (MinimumRoleHandler.RoleOf(context.User) != Role.Admin)
            return Problems.Create(StatusCodes.Status403Forbidden, "host-firewall-override-needs-admin", "Only an admin may override the audit gate",
                $"{Name} needs an admin key: enforcing over the host firewall's audit gate can cut nodes off. Fix what GET /api/v1/clusters/{{cluster}}/status shows under hostFirewall and enforce without the header, or ask an admin.",
                new() { ["role"] = MinimumRoleHandler.RoleOf(context.User)?.Name() });
        if (headers.Reason is null)
            return Problems.BadRequest("override-reason-required", "An override needs a reason",
                $"{Name} needs a reason in {ChangeHeaders.ReasonHeader}: say why enforcing is safe although the audit gate refuses; it is kept in the audit log.");
        return null;
    }
}
