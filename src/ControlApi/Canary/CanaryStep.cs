using System.Globalization;
using ControlApi.Audit;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Probes;
using ControlApi.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Canary;

/// <summary>
/// Canary → CanaryVerified: Flux applied the canary commit, so the CiliumNodeConfig is in the
/// cluster — but an agent reads it only when it starts (Cilium docs, "Per-node configuration":
/// changes take effect once pods are deleted and re-created). So the agent pods on the selected
/// nodes are deleted (all at once: the selection is the blast radius the operator chose), the
/// DaemonSet recreates them, and once every selected node runs a new, running agent, each of those
/// agents must show the change working (<c>cilium-dbg status</c> against the revision's agent
/// facts). Other nodes are not touched and not asked. Failing after
/// <see cref="TrackingOptions.VerificationGracePeriod"/> ends VerificationFailed with a reason
/// saying the canary failed and nothing was promoted. Precondition: the revision is Canary.
/// </summary>
public sealed class CanaryStep(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    TrackingRecorder recorder,
    IOptions<TrackingOptions> options,
    TimeProvider time,
    ILogger<CanaryStep> logger) : ITrackingStep
{
    public RevisionState From => RevisionState.Canary;

    public abstract record Decision
    {
        private Decision() { }
        public sealed record Pass(IReadOnlyList<string> Nodes) : Decision;
        public sealed record Fail(string Reason) : Decision;
        public sealed record Keep(string Waiting) : Decision;
    }

    /// <summary>What one look at the canary nodes found.</summary>
    /// <param name="Selected">The nodes the selector picks now.</param>
    /// <param name="Replaced">Those running a new (not the deleted) agent pod.</param>
    /// <param name="Failures">What the new agents show that the revision does not want.</param>
    public sealed record Observation(IReadOnlyList<string> Selected, IReadOnlyList<string> Replaced, IReadOnlyList<VerificationFailure> Failures);

    /// <summary>Pure: the verdict, with the grace period measured from when the canary commit was applied.</summary>
    public static Decision Decide(Observation seen, DateTimeOffset since, DateTimeOffset now, TimeSpan grace)
    {
        if (seen.Selected.Count == 0)
            return new Decision.Fail("the canary's node selector matches no node, so nothing could be tried");
        var late = now - since > grace;
        var missing = seen.Selected.Except(seen.Replaced, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var waiting = $"{seen.Replaced.Count} of {seen.Selected.Count} canary agents restarted; waiting for {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? " …" : "")}";
            return late
                ? new Decision.Fail(string.Create(CultureInfo.InvariantCulture, $"canary agents did not come back running within {grace.TotalMinutes:0.#} min: {waiting}"))
                : new Decision.Keep(waiting);
        }
        if (seen.Failures.Count == 0) return new Decision.Pass(seen.Selected);
        var summary = string.Join("; ", seen.Failures.Take(5)) + (seen.Failures.Count > 5 ? $" (and {seen.Failures.Count - 5} more)" : "");
        return late
            ? new Decision.Fail(string.Create(CultureInfo.InvariantCulture, $"canary not verified {grace.TotalMinutes:0.#} min after it was applied: {summary}"))
            : new Decision.Keep($"verifying the canary: {summary}");
    }

    public async Task<StepOutcome> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (revision.OpenCanary is not { } canary)
            throw new InvalidOperationException($"{revision.Name} is Canary but has no open canary.");
        var ns = revision.Cluster.Profile.HelmRelease.Namespace;
        var nodes = await NodeProbe.ListAsync(connection, cancellationToken);
        var selected = nodes.Where(n => canary.Selector.Matches(n.Labels)).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
        var pods = await AgentPodProbe.ListAsync(connection, ns, cancellationToken);

        var stored = await db.Revisions.AsNoTracking().SingleAsync(r => r.Id == revision.Id, cancellationToken);
        var restarted = CanaryRecords.RestartedPods(stored);
        if (stored.CanaryPodsJson is null && selected.Count > 0 && !revision.Recovering)
        {
            await RestartAsync(revision, connection, selected, pods, cancellationToken);
            return new StepOutcome.Wait(settings.RecheckInterval);
        }

        // A replacement is any running agent on the node other than the one deleted there.
        var fresh = pods.Where(p => p.Node is { } node && selected.Contains(node, StringComparer.Ordinal) && p.Running
                && p.Name != restarted.GetValueOrDefault(node))
            .GroupBy(p => p.Node!, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var expected = ExpectedLiveState.From(revision.Cluster.Profile, revision.Settings, nodes.Count);
        var failures = fresh.Count == selected.Count
            ? (await AgentStatusProbe.ReadAsync(connection, fresh, withBrief: false,
                report => VerificationEvaluator.EvaluateAgent(expected, report).ToList(), cancellationToken)).SelectMany(f => f).ToList()
            : [];
        var observedAt = time.GetUtcNow();

        switch (Decide(new Observation(selected, fresh.Select(p => p.Node!).ToList(), failures), revision.StateSince, observedAt, settings.VerificationGracePeriod))
        {
            case Decision.Pass(var passed):
                await recorder.MoveAsync(revision.Id, revision.State, RevisionState.CanaryVerified, observedAt,
                    $"Canary verified on {passed.Count} node(s) ({string.Join(", ", passed)}); promote it to roll it out everywhere.",
                    AuditKinds.CanaryVerified, $"{revision.Name}: canary verified on {string.Join(", ", passed)}",
                    new { nodes = passed, nodeSelector = canary.Selector.ToString(), keys = canary.Keys, commit = revision.Commit }, null, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Fail or Decision.Keep when revision.Recovering:
                return new StepOutcome.Wait(settings.VerifyRecheckInterval);

            case Decision.Fail(var why):
                var reason = $"The canary failed, nothing was promoted and the other nodes run the settings before it: {why}. Roll back (POST /api/v1/clusters/{revision.Cluster.Id}/revisions/{revision.Number - 1}/rollback) to take the CiliumNodeConfig away.";
                await recorder.MoveAsync(revision.Id, From, RevisionState.VerificationFailed, observedAt, reason,
                    AuditKinds.CanaryFailed, $"{revision.Name}: canary failed on {canary.Selector}: {why}",
                    new { nodes = selected, nodeSelector = canary.Selector.ToString(), failures = failures.Take(100).Select(f => new { f.Check, f.Subject, f.Desired, f.Live }) },
                    null, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Keep(var waiting):
                await recorder.NoteWaitingAsync(revision.Id, observedAt, waiting, cancellationToken);
                return new StepOutcome.Wait(settings.VerifyRecheckInterval);

            default:
                throw new InvalidOperationException("Unhandled decision.");
        }
    }

    /// <summary>
    /// Records which pods it deletes before deleting them (in the revision's write turn, only while
    /// it is still Canary and nothing was recorded), so a tracker that starts again never deletes a
    /// second time nor mistakes the old pod for its replacement.
    /// </summary>
    private async Task RestartAsync(TrackedRevision revision, ClusterConnection connection, IReadOnlyList<string> selected, IReadOnlyList<AgentPod> pods, CancellationToken cancellationToken)
    {
        var doomed = pods.Where(p => p.Node is { } node && selected.Contains(node, StringComparer.Ordinal)).ToList();
        var byNode = selected.ToDictionary(n => n, n => doomed.FirstOrDefault(p => p.Node == n)?.Name ?? "", StringComparer.Ordinal);
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken))
        {
            var stored = await db.Revisions.SingleAsync(r => r.Id == revision.Id, cancellationToken);
            if (stored.State != nameof(RevisionState.Canary) || stored.CanaryPodsJson is not null)
            {
                db.ChangeTracker.Clear();
                return;
            }
            stored.CanaryPodsJson = CanaryRecords.Serialize(byNode);
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.CanaryRestarted, revision.Cluster.Id, revision.Number, AuditSources.System, AuditSources.System,
                $"{revision.Name}: restarting the Cilium agents on {selected.Count} canary node(s) ({string.Join(", ", selected.Take(10))}{(selected.Count > 10 ? " …" : "")})",
                new { nodes = selected, pods = doomed.Select(p => p.Name) }), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
        foreach (var pod in doomed)
        {
            await AgentPodRestarter.DeleteAsync(connection, pod, cancellationToken);
            logger.LogInformation("{Revision}: deleted agent pod {Pod} on canary node {Node}", revision.Name, pod.Name, pod.Node);
        }
    }
}
