using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using Microsoft.Extensions.Options;

namespace ControlApi.Probes;

/// <summary>
/// Everything one poll read from a cluster. <see cref="Problem"/> set means the cluster could not be
/// observed (fully); the parts read before the failure are kept.
/// </summary>
public sealed record ClusterObservation(DateTimeOffset ObservedAt, string? Problem)
{
    public bool Reachable => Problem is null;
    public FluxSnapshot? Flux { get; init; }
    public DaemonSetStatus? DaemonSet { get; init; }
    public IReadOnlyDictionary<string, string>? Config { get; init; }
    public bool ConfigRead { get; init; }
    public int AgentPods { get; init; }
    public IReadOnlyList<AgentReport> Agents { get; init; } = [];
    public WireGuardKeys? Keys { get; init; }
    public HubbleUiService? HubbleUi { get; init; }
    public bool HubbleUiRead { get; init; }
    public LeftoverFindings? Leftovers { get; init; }
    public long Requests { get; init; }
    public long Execs { get; init; }
    public TimeSpan Duration { get; init; }
}

/// <summary>
/// One routine look at a cluster for the <c>poll</c> job: Flux objects, the agent DaemonSet,
/// <c>cilium-config</c>, CiliumNode keys, the Hubble UI Service, a bounded sample of agents
/// (status JSON and the <c>--brief</c> line) and migration leftovers. Independent reads run side by
/// side; lists are paged. The number of API requests grows with list pages only, and the execs
/// with the sample size, never with the node count.
/// </summary>
public sealed class ClusterObserver(FluxProbe flux, IOptions<ProbeOptions> options, TimeProvider time)
{
    public async Task<ClusterObservation> ObserveAsync(ClusterConnection connection, ClusterProfile profile, long rotation, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var requests = connection.Requests;
        var execs = connection.Execs;
        var ns = profile.HelmRelease.Namespace;

        var fluxRead = flux.ReadAsync(connection, profile, cancellationToken);
        var dsRead = DaemonSetProbe.ReadAsync(connection, new ObjectRef(ns, ExpectedLiveState.AgentDaemonSetName), cancellationToken);
        var configRead = CiliumConfigProbe.ReadAsync(connection, new ObjectRef(ns, ExpectedLiveState.ConfigMapName), cancellationToken);
        var keysRead = CiliumNodeProbe.ReadAsync(connection, cancellationToken);
        var hubbleRead = HubbleUiProbe.ReadAsync(connection, new ObjectRef(ns, options.Value.HubbleUiService), cancellationToken);
        var agentsRead = SampleAgentsAsync(connection, ns, rotation, cancellationToken);
        var leftoversRead = LeftoverProbe.ReadAsync(connection, cancellationToken);
        Task[] all = [fluxRead, dsRead, configRead, keysRead, hubbleRead, agentsRead, leftoversRead];
        try
        {
            await Task.WhenAll(all);
        }
        catch (ClusterUnreachableException)
        {
            // Reported below from the first failed read; the others' results are kept.
        }

        var problem = all.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).OfType<ClusterUnreachableException>().FirstOrDefault()?.Reason;
        var unexpected = all.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).FirstOrDefault(e => e is not ClusterUnreachableException);
        if (unexpected is not null) throw unexpected;
        cancellationToken.ThrowIfCancellationRequested();

        T? Done<T>(Task<T> task) => task.IsCompletedSuccessfully ? task.Result : default;
        var agents = Done(agentsRead);
        return new ClusterObservation(time.GetUtcNow(), problem)
        {
            Flux = Done(fluxRead),
            DaemonSet = Done(dsRead),
            Config = Done(configRead),
            ConfigRead = configRead.IsCompletedSuccessfully,
            Keys = Done(keysRead),
            HubbleUi = Done(hubbleRead),
            HubbleUiRead = hubbleRead.IsCompletedSuccessfully,
            AgentPods = agents.Pods,
            Agents = agents.Reports ?? [],
            Leftovers = Done(leftoversRead),
            Requests = connection.Requests - requests,
            Execs = connection.Execs - execs,
            Duration = time.GetElapsedTime(started),
        };
    }

    private async Task<(int Pods, IReadOnlyList<AgentReport> Reports)> SampleAgentsAsync(ClusterConnection connection, string ns, long rotation, CancellationToken cancellationToken)
    {
        var pods = (await AgentPodProbe.ListAsync(connection, ns, cancellationToken)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var sample = AgentSample.Pick(pods, options.Value.PollAgentSample, rotation);
        return (pods.Count, await AgentStatusProbe.ReadAsync(connection, sample, withBrief: true, cancellationToken));
    }
}
