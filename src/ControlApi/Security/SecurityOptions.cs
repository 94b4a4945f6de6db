namespace ControlApi.Security;

/// <summary><c>ControlApi:Security</c>: request limits and the cap on audited denials. Defaults suit one team's use.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "ControlApi:Security";

    /// <summary>
    /// The configuration key (an environment variable) whose value, when set, is an admin key.
    /// Deliberately outside the <c>ControlApi</c> section: it is a secret, not a setting.
    /// </summary>
    public const string AdminKeyVariable = "CONTROLAPI_ADMIN_KEY";

    public RateLimitOptions RateLimits { get; set; } = new();

    public FailedAuthenticationOptions FailedAuthentication { get; set; } = new();

    public DeniedAuditOptions DeniedAudit { get; set; } = new();
}

/// <summary>Fixed windows: at most <c>PerKey</c> requests per key and <c>PerAddress</c> per client address.</summary>
public sealed class RateLimitOptions
{
    public int PerKey { get; set; } = 600;
    public int PerAddress { get; set; } = 1200;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// After <c>PerAddress</c> failed checks of one key (an issued key's id, or the bootstrap admin key) from one
/// address within <c>Window</c>, that key from that address gets 429 until the window ends; other keys do not.
/// </summary>
public sealed class FailedAuthenticationOptions
{
    public int PerAddress { get; set; } = 10;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// At most <c>PerAddress</c> <c>auth.denied</c> events per address and <c>Total</c> overall in each
/// <c>Window</c>; the rest are counted and written as one <c>auth.denied_suppressed</c> event.
/// </summary>
public sealed class DeniedAuditOptions
{
    public int PerAddress { get; set; } = 10;
    public int Total { get; set; } = 100;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
