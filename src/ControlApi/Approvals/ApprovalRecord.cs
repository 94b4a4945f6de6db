using System.Text.Json;
using ControlApi.Core.Governance;
using ControlApi.Core.Revisions;

namespace ControlApi.Approvals;

/// <summary>
/// A change held for approval, as stored with its revision (<c>Revisions.ApprovalJson</c>) and shown
/// in <c>GET /revisions/{n}</c>: what the policy asked when the change was made (kept, so a later
/// policy edit does not move the goalposts of a waiting request), and who approved so far.
/// </summary>
/// <param name="Risk">The change's risk class, which made the policy ask for approval.</param>
/// <param name="Required">How many distinct people must approve (never the author).</param>
/// <param name="Approvers"><c>approver</c>: keys and chat users with the approver role (or admin); <c>operator</c>: any operator.</param>
/// <param name="RequestedOn">The revision that was the cluster's settings when the change was made: approval needs it still to be.</param>
/// <param name="Author">The person who asked for the change (API key's person, or the mapped chat person).</param>
/// <param name="ExpiresAt">Nobody may approve at or after this instant; the revision then ends <c>Expired</c>.</param>
public sealed record ApprovalRecord(
    ChangeRisk Risk,
    int Required,
    Approvers Approvers,
    int RequestedOn,
    string Author,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<ApprovalVote> Approvals)
{
    /// <summary>Set when the request ended without going ahead: who rejected it (or withdrew it) and why.</summary>
    public ApprovalDecision? Rejection { get; init; }

    public bool IsDue(DateTimeOffset now) => now >= ExpiresAt;

    public bool ApprovedBy(string person) => Approvals.Any(a => SamePerson(a.Person, person));

    /// <summary>People's names compare as people write them: case and surrounding blanks do not make another person.</summary>
    public static bool SamePerson(string a, string b) => Holds.ClusterHolds.SamePerson(a, b);

    public string Serialize() => JsonSerializer.Serialize(this, ApiJson.Options);

    public static ApprovalRecord? Parse(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<ApprovalRecord>(json, ApiJson.Options);
}

/// <summary>One person's approval: who, through which key or chat platform, and when.</summary>
public sealed record ApprovalVote(string Person, string Actor, string Source, DateTimeOffset At);

/// <summary>A rejection: who, through what, when and why.</summary>
public sealed record ApprovalDecision(string Person, string Actor, string Source, DateTimeOffset At, string Reason);
