using System.Text.Json.Serialization;
using ControlApi.Core.Revisions;

namespace ControlApi.Core.Governance;

/// <summary>
/// A cluster's change policy: how many people other than the author must approve a change of each
/// risk class, when changes may be committed (allow and deny windows, like Argo CD sync windows),
/// and what happens to a change outside them. The default policy asks nothing: every change is
/// committed at once, as before policies existed.
/// </summary>
public sealed record ClusterPolicy
{
    public ApprovalPolicy Approvals { get; init; } = new();

    public IReadOnlyList<ChangeWindow> Windows { get; init; } = [];

    /// <summary>What a change accepted outside the windows does: wait for the next one, or be refused.</summary>
    public OutsideWindow OutsideWindow { get; init; } = OutsideWindow.Schedule;

    public static ClusterPolicy Default { get; } = new();

    /// <summary>Distinct approvers a change of <paramref name="risk"/> needs (0: none).</summary>
    public int ApprovalsFor(ChangeRisk risk) => risk switch
    {
        ChangeRisk.Dangerous => Approvals.Dangerous,
        ChangeRisk.Disruptive => Approvals.Disruptive,
        _ => Approvals.Routine,
    };
}

public sealed record ApprovalPolicy
{
    public int Dangerous { get; init; }
    public int Disruptive { get; init; }
    public int Routine { get; init; }

    /// <summary>How long a change waits for its approvals before it expires.</summary>
    public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Who may approve: people with the approver role (or admins), or any operator.</summary>
    public Approvers Approvers { get; init; } = Approvers.Approver;
}

[JsonConverter(typeof(JsonStringEnumConverter<Approvers>))]
public enum Approvers
{
    [JsonStringEnumMemberName("approver")] Approver,
    [JsonStringEnumMemberName("operator")] Operator,
}

[JsonConverter(typeof(JsonStringEnumConverter<OutsideWindow>))]
public enum OutsideWindow
{
    [JsonStringEnumMemberName("schedule")] Schedule,
    [JsonStringEnumMemberName("refuse")] Refuse,
}

[JsonConverter(typeof(JsonStringEnumConverter<WindowKind>))]
public enum WindowKind
{
    [JsonStringEnumMemberName("allow")] Allow,
    [JsonStringEnumMemberName("deny")] Deny,
}

/// <summary>
/// A window opening at each occurrence of a five-field cron <see cref="Schedule"/> in <see cref="TimeZone"/>
/// (an IANA name) and lasting <see cref="Duration"/>.
/// </summary>
public sealed record ChangeWindow
{
    public WindowKind Kind { get; init; } = WindowKind.Allow;
    public string Schedule { get; init; } = "";
    public TimeSpan Duration { get; init; }
    public string TimeZone { get; init; } = "UTC";
}
