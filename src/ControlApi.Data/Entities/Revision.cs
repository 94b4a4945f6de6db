namespace ControlApi.Data.Entities;

/// <summary>An immutable, per-cluster numbered version of the desired settings, plus its lifecycle state.</summary>
public sealed class Revision
{
    public long Id { get; set; }
    public required string ClusterId { get; set; }
    public int Number { get; set; }

    /// <summary>Canonical settings JSON (SettingsJson.Serialize) — the wish, immutable once written.</summary>
    public required string SettingsJson { get; set; }

    public required string Author { get; set; }
    public string? OnBehalfOf { get; set; }
    public string? Reason { get; set; }
    public required string Source { get; set; }

    /// <summary>Set on a rollback: the revision whose settings this one restores (its commit subject says so).</summary>
    public int? RollbackTo { get; set; }

    /// <summary>Validation warnings accepted with the change (JSON array), so the revision can show them later.</summary>
    public string WarningsJson { get; set; } = "[]";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The lifecycle state (SPEC §4), stored as its name.</summary>
    public required string State { get; set; }
    public string? StateReason { get; set; }
    public DateTimeOffset StateChangedAt { get; set; }

    public string? CommitSha { get; set; }

    /// <summary>
    /// Every rendered value this revision changes against the one before (JSON array of value
    /// changes: scope, path, old, new), computed once when it was accepted; commit message, audit
    /// and API all show this list.
    /// </summary>
    public string? ValueChangesJson { get; set; }

    /// <summary>
    /// For a revision made by adoption: the managed files as the repository held them (JSON object,
    /// path → content). The next change is described against these, not against a render, so that
    /// whatever that change rewrites is listed too.
    /// </summary>
    public string? AdoptedFilesJson { get; set; }

    /// <summary>
    /// Set on a canary: the node selector (kubectl's text form) of the nodes that try the change
    /// first. Null for a change rolled out everywhere at once.
    /// </summary>
    public string? CanarySelector { get; set; }

    /// <summary>The canary's cilium-config keys with their new values (JSON object), computed once when it was accepted.</summary>
    public string? CanaryKeysJson { get; set; }

    /// <summary>
    /// The agent pods the canary deleted, by node (JSON object node → pod), written before they are
    /// deleted so a tracker that starts again neither deletes twice nor mistakes an old pod for a new one.
    /// </summary>
    public string? CanaryPodsJson { get; set; }

    /// <summary>When the canary was promoted: from then on the revision renders cluster-wide, without the CiliumNodeConfig.</summary>
    public DateTimeOffset? PromotedAt { get; set; }

    /// <summary>Who promoted it (a person, or the platform after the soak time).</summary>
    public string? PromotedBy { get; set; }

    /// <summary>
    /// For a change the cluster's policy held for approval: the request and its approvals so far
    /// (JSON, see ControlApi.Approvals.ApprovalRecord). Null for a change that needed none.
    /// </summary>
    public string? ApprovalJson { get; set; }

    public List<RevisionTransition> Timeline { get; set; } = [];
}

/// <summary>One step of a revision's timeline: the state it entered, when, and why.</summary>
public sealed class RevisionTransition
{
    public long Id { get; set; }
    public long RevisionId { get; set; }
    public required string State { get; set; }
    public DateTimeOffset At { get; set; }
    public string? Message { get; set; }
}
