using System.Globalization;
using ControlApi.Configuration;
using ControlApi.Tracking;
using static ControlApi.Chatops.ChatMessages;

namespace ControlApi.Chatops;

/// <summary>
/// What chat can say about a cluster's live state. <paramref name="TracksRevisions"/> tells the
/// follow-up whether a committed revision will ever move on (Applied … Verified) or the story ends at the commit.
/// </summary>
public sealed record LiveStatus(bool Connected, bool TracksRevisions, string Summary, IReadOnlyList<ChatFact> Facts);

/// <summary>The seam where live cluster status enters chat answers (<c>status</c>, follow-ups).</summary>
public interface ILiveStatusSource
{
    Task<LiveStatus> DescribeAsync(ManagedCluster cluster, CancellationToken cancellationToken);
}

/// <summary>
/// Live status from the observations the poll and track jobs store — the same ones
/// <c>GET /clusters/{cluster}/status</c> shows: Flux, rollout, agents, drift, leftovers, the age of
/// the observation, and what converging revisions wait on. A cluster without Kubernetes access says so.
/// </summary>
public sealed class ObservationLiveStatus(
    ObservationReader observations, Revisions.RevisionReader revisions, HostFirewall.HostFirewallAudits audits, TimeProvider time) : ILiveStatusSource
{
    public const string NotObserved = "connected; not observed yet (the next poll, or `POST .../reconcile`, observes it)";

    /// <summary>Agent mismatches shown at most, so one broken rollout does not fill the channel.</summary>
    private const int MaxAgentLines = 3;

    public async Task<LiveStatus> DescribeAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        if (!cluster.Kubernetes.IsConfigured) return new LiveStatus(false, false, StatusApi.NotConnected, []);

        var latest = await observations.LatestAsync(cluster.Id, cancellationToken);
        var converging = await observations.ConvergingAsync(cluster.Id, cancellationToken);
        var facts = new List<ChatFact>();
        foreach (var tracked in converging)
            facts.Add(new ChatFact($"Revision {tracked.Revision}", $"{tracked.State}{(tracked.Waiting is { } waiting ? $" — waiting for {Code(waiting, 300)}" : "")}"));
        if (latest?.Snapshot is not { } snapshot) return new LiveStatus(true, true, NotObserved, facts);

        var age = time.GetUtcNow() - latest.ObservedAt;
        var observed = $"observed {Duration(age < TimeSpan.Zero ? TimeSpan.Zero : age)} ago ({Time(latest.ObservedAt)})";
        if (!snapshot.Reachable) return new LiveStatus(true, true, $"unreachable when {observed}: {snapshot.Problem}", facts);

        facts.InsertRange(0, Describe(snapshot));
        if (await HostFirewallAsync(cluster, cancellationToken) is { } firewall) facts.Add(firewall);
        return new LiveStatus(true, true, observed, facts);
    }

    /// <summary>Would-be drops shown at most in chat; the status API lists them all.</summary>
    private const int MaxDropLines = 5;

    /// <summary>In audit mode: the would-be drops of the window (required ports first) and whether enforcing would be refused.</summary>
    private async Task<ChatFact?> HostFirewallAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        var current = await revisions.CurrentAsync(cluster.Id, cancellationToken);
        if (!current.Settings.HostFirewall.Auditing) return null;
        var status = await HostFirewall.HostFirewallStatus.BuildAsync(cluster.Id, current.Settings, audits, cancellationToken);
        var line = status.CollectedAt is null
            ? $"audit mode; no AUDIT verdicts collected yet. Enforce {status.Enforce}: {Code(status.Advice, 300)}"
            : string.Create(CultureInfo.InvariantCulture, $"audit mode: {status.WouldBeDrops.Count} would-be drop group(s) in the last {status.Window}, {status.RequiredDrops} to ports a Talos node needs")
                + (status.WouldBeDrops.Count == 0 ? "" : "; " + string.Join("; ", status.WouldBeDrops.Take(MaxDropLines).Select(d => Code(d.ToString(), 200)))
                    + (status.WouldBeDrops.Count > MaxDropLines ? $"; and {status.WouldBeDrops.Count - MaxDropLines} more" : ""))
                + $". Enforce {status.Enforce}" + (status.Enforce == HostFirewall.HostFirewallStatus.Refused ? $": {Code(status.Advice, 300)}" : "");
        return new ChatFact("Host firewall", line);
    }

    private static IEnumerable<ChatFact> Describe(ObservationSnapshot snapshot)
    {
        yield return new ChatFact("Flux", snapshot.Flux.Count == 0 ? "not read"
            : snapshot.Flux.All(f => f.Ready) ? $"ready ({string.Join(", ", snapshot.Flux.Select(f => f.Kind))})"
            : string.Join("; ", snapshot.Flux.Where(f => !f.Ready).Select(f => $"{f.Kind} {f.Name} {f.Status}{(f.Reason is null ? "" : $": {f.Reason}")}{(f.Message is null ? "" : $" — {Code(f.Message, 200)}")}")));

        yield return new ChatFact("Rollout", snapshot.DaemonSet is not { } ds ? "no cilium DaemonSet found"
            : string.Create(CultureInfo.InvariantCulture, $"{ds.Phase}: {ds.Updated}/{ds.Desired} updated, {ds.Ready} ready, {ds.Available} available"));

        var agents = snapshot.Agents;
        var mismatched = agents.Reports.Where(a => a.Mismatches.Count > 0 || a.Error is not null).ToList();
        var agentLine = string.Create(CultureInfo.InvariantCulture, $"{agents.Healthy}/{agents.Sampled} sampled agents as desired ({agents.Pods} pods)");
        if (snapshot.WireGuard is { } wg)
            agentLine += string.Create(CultureInfo.InvariantCulture, $"; WireGuard keys on {wg.WithKey}/{wg.Nodes} nodes");
        if (mismatched.Count > 0)
            agentLine += "; " + string.Join("; ", mismatched.Take(MaxAgentLines).Select(a => $"{a.Node ?? a.Pod}: {a.Error ?? string.Join(", ", a.Mismatches)}"))
                + (mismatched.Count > MaxAgentLines ? $"; and {mismatched.Count - MaxAgentLines} more" : "");
        yield return new ChatFact("Agents", agentLine);

        var config = snapshot.Config;
        yield return new ChatFact("Drift", !config.Evaluated ? $"not checked ({config.NotEvaluatedBecause})"
            : config.Drift.Count == 0 ? "none: cilium-config matches the desired settings"
            : string.Join("; ", config.Drift.Take(MaxAgentLines).Select(d => $"{d.Key} desired {Code(d.Desired, 60)}, live {Code(d.Live, 60)}"))
                + (config.Drift.Count > MaxAgentLines ? $"; and {config.Drift.Count - MaxAgentLines} more" : ""));

        if (snapshot.Leftovers.Count > 0)
            yield return new ChatFact("Leftovers", string.Join("; ", snapshot.Leftovers.Select(l => $"{l.Kind} {l.Subject}")));
    }
}
