namespace ControlApi.Hosting;

/// <summary>
/// Hands start-up's garbage back to the operating system once, shortly after the service is ready.
/// Building the EF model, migrating, creating the admin key and starting the job servers allocate
/// far more than the idle service keeps, and the GC keeps what it committed for them (free regions
/// and a gen0 budget sized by the start's allocation rate) until a later collection happens to
/// decommit it: ≈ 16 MB of an idle service's ≈ 23 MB committed heap held ≈ 7 MB of live objects
/// (README "Start-up and memory"). One aggressive, compacting full collection after the start
/// settles returns it; the service then grows its heap again only as its work needs. Then, unless
/// <c>ControlApi:ReleaseStartupPages</c> is off, the libraries' pages only the start used (<see cref="StartupPages"/>).
/// </summary>
internal sealed class StartupTrim(IHostApplicationLifetime lifetime, TimeProvider time, IConfiguration configuration, ILogger<StartupTrim> logger) : BackgroundService
{
    /// <summary>
    /// After <c>ApplicationStarted</c>: the outbox's first sweep, the job servers' first polls and the
    /// first scheduled jobs run in these seconds; collecting before them would leave their garbage.
    /// </summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(5);

    public const string ReleaseStartupPagesKey = "ControlApi:ReleaseStartupPages";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }
        await Task.Delay(Delay, time, stoppingToken);
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        // Aggressive: also decommits the free regions and the gen0 budget (it must be blocking and compacting).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        logger.LogDebug("Start-up garbage collected: GC heap committed {Before} → {After} bytes",
            before, GC.GetGCMemoryInfo().TotalCommittedBytes);
        if (!configuration.GetValue(ReleaseStartupPagesKey, true)) return;
        var released = StartupPages.Release();
        logger.LogDebug("Start-up pages given back: {Mappings} read-only library mappings, {Bytes} bytes advised", released.Mappings, released.Bytes);
    }
}
