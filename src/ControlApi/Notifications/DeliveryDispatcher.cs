using System.Threading.Channels;
using ControlApi.Data;
using ControlApi.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Notifications;

/// <summary>
/// Hands queued deliveries to Hangfire. Woken by <see cref="DeliveryOutbox"/> while the audit
/// event's transaction is still open, it first takes a write turn — so it reads once that
/// transaction has ended — and marks what it hands over. Every <see cref="NotificationOptions.SweepInterval"/>
/// it also looks for deliveries a crash left behind: never handed over, or due long ago.
/// </summary>
public sealed class DeliveryDispatcher(
    IServiceScopeFactory scopes,
    WriteTurns writeTurns,
    IBackgroundJobClient jobs,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    private const int Batch = 200;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Something was queued; dispatch soon. Never blocks.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchAsync(stoppingToken) == Batch)
                {
                    // A full batch: there may be more.
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Dispatching webhook deliveries failed; trying again in {Interval}", options.Value.SweepInterval);
            }
            await WaitForWorkAsync(stoppingToken);
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var sweep = Task.Delay(options.Value.SweepInterval, time, wait.Token);
        var woken = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
        await Task.WhenAny(sweep, woken);
        await wait.CancelAsync();
        _wake.Reader.TryRead(out _);
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>Marks and enqueues one batch; returns how many deliveries it handed over.</summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // A handed-over try this late (or a lease this long expired) was lost with its job: a crash
        // between our commit and Hangfire's, or during a try.
        var lostBefore = now - 5 * options.Value.SweepInterval;
        List<(long Id, DateTimeOffset Due)> handOver;

        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
            var due = await db.NotificationDeliveries
                .Where(d => d.State == DeliveryStates.Pending
                    && (!d.Dispatched || (d.LeasedUntil == null ? d.NextAttemptAt < lostBefore : d.LeasedUntil < lostBefore)))
                .OrderBy(d => d.Id)
                .Take(Batch)
                .ToListAsync(cancellationToken);
            foreach (var delivery in due)
            {
                if (delivery.Dispatched)
                {
                    delivery.NextAttemptAt = now;
                    delivery.LeasedUntil = null;
                }
                delivery.Dispatched = true;
            }
            await db.SaveChangesAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            handOver = due.Select(d => (d.Id, d.NextAttemptAt)).ToList();
        }

        foreach (var (id, due) in handOver)
        {
            if (due <= now) jobs.Enqueue<DeliverJob>(job => job.RunAsync(id, CancellationToken.None));
            else DeliverJob.ScheduleTry(jobs, id, due);
        }
        if (handOver.Count > 0) logger.LogDebug("Handed {Count} webhook deliveries to the deliver job", handOver.Count);
        return handOver.Count;
    }
}
