using System.Text.Json;
using System.Text.Json.Serialization;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Core.Values;
using ControlApi.Data.Entities;

namespace ControlApi.Revisions;

/// <summary>A revision as the API shows it.</summary>
public sealed record RevisionResource(
    string Cluster,
    int Number,
    RevisionState? State,
    string? StateReason,
    CiliumSettings Settings,
    string Author,
    string? OnBehalfOf,
    string? Reason,
    string Source,
    DateTimeOffset? CreatedAt,
    string? CommitSha,
    IReadOnlyList<IssueResource> Warnings,
    IReadOnlyList<TimelineEntry> Timeline,
    double? SecondsToVerified)
{
    /// <summary>Every rendered value this revision changed against the one before (Helm values, Talos patch keys, other fields).</summary>
    public IReadOnlyList<ValueChange> Values { get; init; } = [];

    /// <summary>What this revision changed against the one before it (e.g. <c>enable encryption (wireguard)</c>), where the reader says.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Changes { get; init; }

    /// <summary>A rollback: the revision whose settings this one restores.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RollbackTo { get; init; }

    /// <summary>A canary: the nodes that try it first, its cilium-config keys, and its promotion.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Canary.CanaryResource? Canary { get; init; }
    /// <summary>
    /// A Scheduled revision: when its change window next opens, under the policy in force now, and so
    /// when it is committed (at the first outbox sweep from then on). Null for every other state.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>A change held for approval (now or before): how many approvals it needs, from whom, until when, and who approved.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Approvals.ApprovalRecord? Approval { get; init; }

    /// <summary>Only in the answer to <c>?waitFor=</c>: what was waited for and how the wait ended.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WaitResource? Wait { get; init; }

    /// <summary>Revision 0: the defaults a cluster has before anyone changed anything. It has no lifecycle.</summary>
    public static RevisionResource Initial(string cluster) => new(
        cluster, 0, null, null, CiliumSettings.Defaults, "system", null, "defaults", "system", null, null, [], [], null);

    public static RevisionResource From(Revision revision)
    {
        var timeline = revision.Timeline.OrderBy(t => t.Id).Select(t => new TimelineEntry(RevisionStates.Parse(t.State), t.At, t.Message)).ToList();
        var verified = timeline.FirstOrDefault(t => t.State == RevisionState.Verified);
        // A scheduled revision is timed from its release: the hours it waited for its window are not time to converge.
        var accepted = timeline.FirstOrDefault(t => t.State == RevisionState.Accepted)?.At ?? revision.CreatedAt;
        return new RevisionResource(
            revision.ClusterId,
            revision.Number,
            RevisionStates.Parse(revision.State),
            revision.StateReason,
            SettingsJson.Parse(revision.SettingsJson).Settings ?? throw new InvalidOperationException($"Stored settings of revision {revision.ClusterId}/{revision.Number} no longer parse."),
            revision.Author,
            revision.OnBehalfOf,
            revision.Reason,
            revision.Source,
            revision.CreatedAt,
            revision.CommitSha,
            JsonSerializer.Deserialize<List<IssueResource>>(revision.WarningsJson, ApiJson.Options) ?? [],
            timeline,
            verified is null ? null : (verified.At - accepted).TotalSeconds)
        {
            Values = revision.ValueChangesJson is null ? [] : JsonSerializer.Deserialize<List<ValueChange>>(revision.ValueChangesJson, ApiJson.Options) ?? [],
            RollbackTo = revision.RollbackTo,
            Canary = ControlApi.Canary.CanaryResource.From(revision),
            Approval = Approvals.ApprovalRecord.Parse(revision.ApprovalJson),
        };
    }
}

/// <param name="Requested">The state asked for with <c>waitFor</c>.</param>
/// <param name="Reached">True when the revision is in that state or a later one of the success path.</param>
public sealed record WaitResource(RevisionState Requested, bool Reached, WaitOutcome Outcome, double WaitedSeconds);

public sealed record TimelineEntry(RevisionState State, DateTimeOffset At, string? Message);

/// <summary>A validation finding in API form: stable code, JSON pointer, message.</summary>
public sealed record IssueResource(string Code, string Pointer, string Message)
{
    public static IssueResource From(ValidationIssue issue) => new(issue.Code, issue.Pointer, issue.Message);
}

/// <summary><c>GET /clusters/{cluster}/cilium</c>: the desired settings and the revision that holds them.</summary>
/// <remarks><c>settings</c> is null while the cluster's existing release is not adopted: revision 0 is then unknown, not the defaults.</remarks>
public sealed record DesiredSettingsResource(string Cluster, int Revision, RevisionState? State, CiliumSettings? Settings)
{
    public Adoption.AdoptionResource? Adoption { get; init; }
}

/// <summary>The answer to a change: the new revision (202) or the unchanged current one (200, <c>noChange</c>).</summary>
public sealed record ChangeResource(string Cluster, bool NoChange, RevisionResource Revision, IReadOnlyList<IssueResource> Warnings)
{
    /// <summary>Rendered values this change alters beyond the members its request named (empty when none).</summary>
    public IReadOnlyList<ValueChange> SideEffects { get; init; } = [];

    /// <summary>How much the change can hurt the running cluster (routine, disruptive, dangerous) and why; routine when nothing changed.</summary>
    public RiskAssessment Risk { get; init; } = RiskAssessment.Routine;
}

/// <summary>One page of revisions, newest first; <c>next</c> is an opaque cursor or null at the end.</summary>
public sealed record RevisionPage(IReadOnlyList<RevisionResource> Items, string? Next);
