namespace ControlApi.Security;

/// <summary>What a key may do. Ordered: each role includes the ones below it (admin ⊃ approver ⊃ operator ⊃ viewer).</summary>
public enum Role
{
    /// <summary>Every GET under <c>/api/v1</c>.</summary>
    Viewer = 1,

    /// <summary>Changes: settings, features, plan, rollback, reconcile.</summary>
    Operator = 2,

    /// <summary>An operator who may also approve others' changes where a cluster's policy asks for approvers.</summary>
    Approver = 3,

    /// <summary>API keys, webhooks, the Hangfire dashboard.</summary>
    Admin = 4,
}

/// <summary>The role names as they appear in requests, responses, claims and the database.</summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Approver = "approver";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Approver, Admin];

    public static string Name(this Role role) => role switch
    {
        Role.Viewer => Viewer,
        Role.Operator => Operator,
        Role.Approver => Approver,
        Role.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a role."),
    };

    /// <summary>Exact, lowercase names only: a role is a contract, not a guess.</summary>
    public static bool TryParse(string? text, out Role role)
    {
        role = text switch
        {
            Viewer => Role.Viewer,
            Operator => Role.Operator,
            Approver => Role.Approver,
            Admin => Role.Admin,
            _ => 0,
        };
        return role != 0;
    }

    public static bool Includes(this Role held, Role needed) => held >= needed;
}
