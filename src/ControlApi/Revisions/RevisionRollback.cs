using ControlApi.Configuration;
using ControlApi.Core.Settings;

namespace ControlApi.Revisions;

/// <summary>How a rollback ends: the revision to go back to does not exist, or the change ran.</summary>
public abstract record RollbackOutcome
{
    public sealed record NoSuchRevision(int Target, int CurrentRevision) : RollbackOutcome;
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

        var outcome = await changes.ApplyAsync(new ChangeRequest(
            cluster, _ => SettingsParseResult.Ok(earlier.Settings), actor, source, Reason(target, why), onBehalfOf,
            ifMatchRevision, idempotencyKey, requestFingerprint, person, RollbackTo: target) { WindowOverride = windowOverride, AuthenticatedPerson = authenticatedPerson }, cancellationToken);
        return new RollbackOutcome.Ran(outcome);
    }
}
