namespace ControlApi.TestCluster.Simulator;

/// <summary>What a controller of the simulated cluster just made visible through the API.</summary>
public enum SimulatorStepKind
{
    CommitDetected,
    ArtifactStored,
    KustomizationProgressing,
    ManifestsApplied,
    KustomizationReady,
    KustomizationFailed,
    ReconcileRequestHandled,
    HelmUpgradeStarted,
    HelmReleaseReady,
    HelmReleaseFailed,
    CiliumConfigUpdated,
    HubbleUiServiceUpdated,
    DaemonSetUpdated,
    PodTerminating,
    PodDeleted,
    PodCreated,
    PodReady,
    PodCrashLooping,
    NodeRolledOut,
    RolloutCompleted,
    RolloutStuck,
    WireguardKeyPublished,
    WireguardKeyRemoved,
    ConfigMapEdited,
    LeftoverAdded,
    LeftoverRemoved,

    /// <summary>A simulated controller crashed (a bug in the simulator, not a cluster event).</summary>
    ControllerFailed,
}

/// <summary>
/// One step, stamped with the simulator's <see cref="TimeProvider"/> right after its write reached
/// the store, so a test can assert "recorded within N seconds of the simulator making it".
/// </summary>
/// <param name="Subject"><c>Kind/namespace/name</c> or node name the step is about.</param>
/// <param name="Revision">The GitOps revision (<c>main@sha1:…</c>) the step belongs to, when known.</param>
/// <param name="ResourceVersion">The store's resourceVersion after the step's write.</param>
public sealed record SimulatorStep(
    long Sequence,
    DateTimeOffset At,
    SimulatorStepKind Kind,
    string Subject,
    string Detail,
    string? Revision,
    long ResourceVersion);

/// <summary>
/// The append-only step log, with waiting for a step that has not happened yet. Its order is the
/// order steps were recorded, and <see cref="SimulatorStep.At"/> is stamped under the log's lock,
/// so times never go back in log order. A step's <see cref="SimulatorStep.ResourceVersion"/> is its
/// own write's, taken before it is recorded: two controllers writing at once may record in the
/// other order, so versions increase per subject (one controller writes one object in turn), not
/// across the whole log.
/// </summary>
public sealed class SimulatorStepLog(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<SimulatorStep> _steps = [];
    private readonly List<(Func<SimulatorStep, bool> Match, TaskCompletionSource<SimulatorStep> Done)> _waiters = [];

    public IReadOnlyList<SimulatorStep> Steps
    {
        get { lock (_gate) return [.. _steps]; }
    }

    internal SimulatorStep Record(SimulatorStepKind kind, string subject, string detail, string? revision, long resourceVersion)
    {
        lock (_gate)
        {
            var step = new SimulatorStep(_steps.Count + 1, time.GetUtcNow(), kind, subject, detail, revision, resourceVersion);
            _steps.Add(step);
            foreach (var waiter in _waiters.Where(w => w.Match(step)).ToArray())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(step);
            }
            return step;
        }
    }

    /// <summary>The first step (already recorded or future, after <paramref name="afterSequence"/>) that matches.</summary>
    public async Task<SimulatorStep> WaitForAsync(Func<SimulatorStep, bool> match, TimeSpan timeout, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<SimulatorStep> done;
        lock (_gate)
        {
            if (_steps.FirstOrDefault(s => s.Sequence > afterSequence && match(s)) is { } existing) return existing;
            done = new TaskCompletionSource<SimulatorStep>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((s => s.Sequence > afterSequence && match(s), done));
        }
        try
        {
            return await done.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching simulator step within {timeout}. Steps so far:\n{string.Join("\n", Steps.TakeLast(60).Select(s => $"  {s.Sequence} {s.Kind} {s.Subject}: {s.Detail}"))}");
        }
    }

    public long LastSequence
    {
        get { lock (_gate) return _steps.Count; }
    }
}
