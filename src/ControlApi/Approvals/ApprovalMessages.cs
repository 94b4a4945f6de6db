using System.Globalization;
using ControlApi.Core.Governance;

namespace ControlApi.Approvals;

/// <summary>What people read about approvals, written once.</summary>
public static class ApprovalMessages
{
    /// <summary>{0} revision, {1} the revision it was asked on, {2} the current revision.</summary>
    public const string StaleFormat = "Revision {0} was requested on revision {1}; the settings are now at revision {2} — request the change again.";

    /// <summary>{0} revision, {1} when it expired.</summary>
    public const string ExpiredFormat = "Revision {0} waited for approval until {1:u} and has expired; nobody can approve it now — request the change again.";

    /// <summary>{0} revision, {1} the author.</summary>
    public const string ByAuthorFormat = "Revision {0} was requested by {1}; the two-person rule needs someone else to approve it. (To withdraw it, reject it with a reason.)";

    /// <summary>{0} revision, {1} who may approve.</summary>
    public const string RoleFormat = "Revision {0} needs approval by {1}; ask one of them, or an admin to give you the approver role.";

    /// <summary>{0} revision, {1} its state.</summary>
    public const string NotPendingFormat = "Revision {0} is {1}, not waiting for approval; there is nothing to approve or reject. GET …/revisions/{0} shows its state.";

    public static string Who(Approvers approvers) => approvers == Approvers.Operator ? "an operator (or approver, or admin)" : "an approver (or admin)";

    public static string Needs(ApprovalRecord approval) =>
        string.Create(CultureInfo.InvariantCulture, $"needs {approval.Required} approval(s) from {Who(approval.Approvers)} other than {approval.Author}, by {approval.ExpiresAt:u}");

    /// <summary>The state reason of a revision waiting for approval.</summary>
    public static string Waiting(ApprovalRecord approval) =>
        string.Create(CultureInfo.InvariantCulture,
            $"A {approval.Risk.ToString().ToLowerInvariant()} change: it {Needs(approval)}; {approval.Approvals.Count} so far. POST …/approve or …/reject.");

    public static string Stale(int number, int requestedOn, int current) => string.Format(CultureInfo.InvariantCulture, StaleFormat, number, requestedOn, current);
    public static string Expired(int number, DateTimeOffset at) => string.Format(CultureInfo.InvariantCulture, ExpiredFormat, number, at);
    public static string ByAuthor(int number, string author) => string.Format(CultureInfo.InvariantCulture, ByAuthorFormat, number, author);
    public static string Role(int number, Approvers approvers) => string.Format(CultureInfo.InvariantCulture, RoleFormat, number, Who(approvers));
    public static string NotPending(int number, string state) => string.Format(CultureInfo.InvariantCulture, NotPendingFormat, number, state);
}
