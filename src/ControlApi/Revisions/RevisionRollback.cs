using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;

namespace ControlApi.Revisions;

/// <summary>How a rollback ends: the revision to go back to does not exist, never took effect, or the change ran.</summary>
public abstract record RollbackOutcome
{
    public sealed record NoSuchRevision(int Target, int CurrentRevision) : RollbackOutcome;

    /// <summary>
    /// The target is a request that never became the cluster's settings (pending, expired, rejected):
    /// there is nothing to go back to. <paramref name="Advice"/> says what to do instead.
    /// </summary>
    public sealed record NeverInEffect(int Target, RevisionState State, string Advice) : RollbackOutcome;
    public sealed record Ran(ChangeOutcome Change) : RollbackOutcome;
}

/// <summary>
/// A rollback is a new revision whose settings are those of revision <c>n</c> (SPEC §5): it goes
/// through <see cref="ChangeService"/> like any change (validation against today's rules,
/// revision, commit, audit). Shared by chat's <c>rollback</c> and the HTTP rollback endpoint.
/// </summary>
public sealed class RevisionRollback(RevisionReader revisions, ChangeService changes)
{
    public static string Reason(int target, string? why) =>
        string.IsNullOrWhiteSpace(why) ? $"rollback to {target}" : $"rollback to {target}: {why.Trim()}";

    /// <summary>Why a revision that never took effect cannot be rolled back to, and what to do instead.</summary>
    public static string NeverInEffectAdvice(string cluster, int target, RevisionState state) =>
        $"Revision {target} is {state}: it never was the cluster's settings, so there is nothing to roll back to. " +
        $"Roll back to a revision that took effect (GET /api/v1/clusters/{cluster}/revisions shows each one's state), or send its settings " +
        $"as a new change: GET /api/v1/clusters/{cluster}/revisions/{target} has them and PUT /api/v1/clusters/{cluster}/cilium takes them, " +
        "with the approvals the cluster's policy asks for.";

    public async Task<RollbackOutcome> ApplyAsync(
        ManagedCluster cluster,
        int target,
        string actor,
        string source,
        string? onBehalfOf,
        string? why,
        CancellationToken cancellationToken,
        int? ifMatchRevision = null,
        string? idempotencyKey = null,
        string? requestFingerprint = null,
        string? person = null,
        Governance.WindowOverride? windowOverride = null,
        string? authenticatedPerson = null)
    {
        // Stored settings never change, so reading the target outside the write turn is safe.
        if (target < 0 || await revisions.FindAsync(cluster.Id, target, cancellationToken) is not { } earlier)
            return new RollbackOutcome.NoSuchRevision(target, (await revisions.CurrentAsync(cluster.Id, cancellationToken)).Number);
        // Going back means to settings the cluster had: a request nobody approved would otherwise
        // arrive as "rollback to n", dressed as something that once ran (SPEC §5: back to revision n).
        if (earlier.State is { } state && !state.TookEffect())
            return new RollbackOutcome.NeverInEffect(target, state, NeverInEffectAdvice(cluster.Id, target, state));

        var outcome = await changes.ApplyAsync(new ChangeRequest(
            cluster, _ => SettingsParseResult.Ok(earlier.Settings), actor, source, Reason(target, why), onBehalfOf,
            ifMatchRevision, idempotencyKey, requestFingerprint, person, RollbackTo: target) { WindowOverride = windowOverride, AuthenticatedPerson = authenticatedPerson }, cancellationToken);
        return new RollbackOutcome.Ran(outcome);
    }
}
