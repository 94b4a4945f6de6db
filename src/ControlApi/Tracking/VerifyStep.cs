using System.Globalization;
using ControlApi.Audit;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Probes;
using Microsoft.Extensions.Options;

namespace ControlApi.Tracking;

/// <summary>
/// RolledOut → Verified: <c>cilium-config</c> holds exactly the desired keys, every agent answers
/// <c>cilium-dbg status -o json</c> showing each desired feature working (WireGuard with peers =
/// nodes − 1), and with WireGuard every CiliumNode publishes its key. Every agent is asked — a sample
/// cannot prove "live on every node" — a bounded number at a time; an agent that already showed
/// everything is not asked again while the node count stays the same, so each round costs only
/// the agents still converging. Failing checks after
/// <see cref="TrackingOptions.VerificationGracePeriod"/> make VerificationFailed.
/// Precondition: the revision is RolledOut. One instance per track job (it keeps the converged agents).
/// </summary>
public sealed class VerifyStep(TrackingRecorder recorder, TrackScheduler scheduler, IOptions<TrackingOptions> options, TimeProvider time) : ITrackingStep
{
    private readonly HashSet<string> _converged = new(StringComparer.Ordinal);
    private int? _convergedForNodes;

    public RevisionState From => RevisionState.RolledOut;

    public abstract record Decision
    {
        private Decision() { }
        public sealed record Pass(VerificationResult Result) : Decision;
        public sealed record Fail(VerificationResult Result, TimeSpan After) : Decision;
        public sealed record Keep(VerificationResult Result) : Decision;
    }

    public static Decision Decide(VerificationResult result, DateTimeOffset rolledOutAt, DateTimeOffset now, TimeSpan grace) =>
        result.Passed ? new Decision.Pass(result)
        : now - rolledOutAt > grace ? new Decision.Fail(result, now - rolledOutAt)
        : new Decision.Keep(result);

    public async Task<StepOutcome> RunAsync(TrackedRevision revision, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (result, observedAt) = await ObserveAsync(revision.Cluster.Profile, revision.Settings, connection, cancellationToken);

        switch (Decide(result, revision.StateSince, observedAt, settings.VerificationGracePeriod))
        {
            case Decision.Pass(var passed):
                await recorder.MoveAsync(revision.Id, revision.State, RevisionState.Verified, observedAt, passed.Summary(),
                    AuditKinds.VerifyPassed, $"{revision.Name} is live: {passed.Summary()}",
                    new { agents = passed.AgentsChecked, commit = revision.Commit }, null, cancellationToken);
                // Audit mode is live on every agent now: the poll starts collecting its verdicts at once, not a poll interval later.
                if (revision.Settings.HostFirewall.Auditing) scheduler.PollNow(revision.Cluster.Id, null);
                return StepOutcome.Advanced;

            case Decision.Fail or Decision.Keep when revision.Recovering:
                return new StepOutcome.Wait(settings.VerifyRecheckInterval);

            case Decision.Fail(var failed, var after):
                var reason = string.Create(CultureInfo.InvariantCulture, $"not verified {after.TotalMinutes:0.#} min after the rollout: {failed.Summary()}");
                await recorder.MoveAsync(revision.Id, From, RevisionState.VerificationFailed, observedAt, reason,
                    AuditKinds.VerifyFailed, $"{revision.Name}: {reason}",
                    new { failures = failed.Failures.Take(100).Select(f => new { f.Check, f.Subject, f.Desired, f.Live }), total = failed.Failures.Count },
                    null, cancellationToken);
                return StepOutcome.Advanced;

            case Decision.Keep(var pending):
                await recorder.NoteWaitingAsync(revision.Id, observedAt, $"verifying: {pending.Summary()}", cancellationToken);
                return new StepOutcome.Wait(settings.VerifyRecheckInterval);

            default:
                throw new InvalidOperationException("Unhandled decision.");
        }
    }

    private async Task<(VerificationResult Result, DateTimeOffset ObservedAt)> ObserveAsync(
        ClusterProfile profile, CiliumSettings desired, ClusterConnection connection, CancellationToken cancellationToken)
    {
        var ns = profile.HelmRelease.Namespace;
        var ds = await DaemonSetProbe.ReadAsync(connection, new ObjectRef(ns, ExpectedLiveState.AgentDaemonSetName), cancellationToken);
        var keys = await CiliumNodeProbe.ReadAsync(connection, cancellationToken);
        var nodes = keys?.Nodes is > 0 ? keys.Nodes : Math.Max(1, ds.DesiredNumberScheduled);
        var expected = ExpectedLiveState.From(profile, desired, nodes);
        var config = await CiliumConfigProbe.ReadAsync(connection, expected.ConfigMap, cancellationToken);

        if (_convergedForNodes != nodes)
        {
            _converged.Clear();
            _convergedForNodes = nodes;
        }
        var pods = await AgentPodProbe.ListAsync(connection, ns, cancellationToken);
        var current = pods.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        _converged.IntersectWith(current);

        // Each status is judged as it arrives and dropped; only the failures are kept.
        var pending = pods.Where(p => !_converged.Contains(p.Name)).ToList();
        var judged = await AgentStatusProbe.ReadAsync(connection, pending, withBrief: false,
            report => (report.Pod, report.Readable, Failures: VerificationEvaluator.EvaluateAgent(expected, report).ToList()), cancellationToken);
        var observedAt = time.GetUtcNow();
        foreach (var agent in judged.Where(j => j.Failures.Count == 0)) _converged.Add(agent.Pod);

        var result = VerificationEvaluator.Combine(expected, config, pods.Count,
            agentsReadable: pods.Count - judged.Count(j => !j.Readable),
            judged.OrderBy(j => j.Pod, StringComparer.Ordinal).SelectMany(j => j.Failures),
            ds.DesiredNumberScheduled, keys, desired.Encryption is { Enabled: true, Type: EncryptionType.Wireguard });
        return (result, observedAt);
    }
}
