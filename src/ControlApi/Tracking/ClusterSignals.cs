using System.Threading.Channels;
using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Probes;

namespace ControlApi.Tracking;

/// <summary>
/// Watches everything a converging revision depends on — the three Flux objects, the agent
/// DaemonSet, <c>cilium-config</c> and the CiliumNodes — and wakes the tracker when any of them
/// changes. Wake-ups coalesce: however many events arrive while the tracker reads, it reads once more.
/// </summary>
public sealed class ClusterSignals : IAsyncDisposable
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _running;
    private readonly TimeProvider _time;

    private ClusterSignals(IReadOnlyList<ObjectWatch> watches, TimeProvider time, CancellationToken cancellationToken)
    {
        _time = time;
        Watches = watches;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _running = watches.Select(w => Task.Run(() => w.RunAsync(_stop.Token), CancellationToken.None)).ToArray();
    }

    public IReadOnlyList<ObjectWatch> Watches { get; }

    public static ClusterSignals Start(ClusterConnection connection, ClusterProfile profile, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var ns = profile.HelmRelease.Namespace;
        WatchSource[] sources =
        [
            WatchSource.CustomObject(connection, ApiResources.GitRepository, profile.GitRepository),
            WatchSource.CustomObject(connection, ApiResources.Kustomization, profile.Kustomization),
            WatchSource.CustomObject(connection, ApiResources.HelmRelease, profile.HelmRelease),
            WatchSource.DaemonSet(connection, new ObjectRef(ns, ExpectedLiveState.AgentDaemonSetName)),
            WatchSource.ConfigMap(connection, new ObjectRef(ns, ExpectedLiveState.ConfigMapName)),
            WatchSource.ClusterCustomObjects(connection, ApiResources.CiliumNode),
        ];
        Channel<bool>? wake = null;
        var signals = new ClusterSignals(
            sources.Select(s => new ObjectWatch(s, () => wake!.Writer.TryWrite(true), connection.Options, time, logger)).ToList(),
            time, cancellationToken);
        wake = signals._wake;
        return signals;
    }

    /// <summary>Returns when something changed, or after <paramref name="atMost"/> (the safety-net re-check).</summary>
    public async Task WaitAsync(TimeSpan atMost, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(atMost, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _wake.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Nothing happened within the interval: re-check anyway.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running);
        }
        catch (OperationCanceledException)
        {
            // Watches end by cancellation.
        }
        _stop.Dispose();
    }
}
