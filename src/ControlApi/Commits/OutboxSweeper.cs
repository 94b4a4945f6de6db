using ControlApi.Data;
using ControlApi.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Commits;

/// <summary>
/// Finds outbox rows no job is working on — after a crash or a lost enqueue — and schedules their
/// cluster's commit job. Runs at start (crash recovery) and then every <see cref="CommitOptions.SweepInterval"/>.
/// Each pass also releases Scheduled revisions whose change window has opened (<see cref="Governance.ScheduledReleases"/>).
/// </summary>
public sealed class OutboxSweeper(IServiceScopeFactory scopes, CommitScheduler scheduler, IOptions<CommitOptions> options, TimeProvider time, ILogger<OutboxSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Outbox sweep failed; trying again in {Interval}", options.Value.SweepInterval);
            }
        }
        while (await timer.WaitForNextTickThenYieldAsync(stoppingToken));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var now = time.GetUtcNow();
        var pending = await db.Outbox.AsNoTracking()
            .Where(m => m.ProcessedAt == null)
            .Select(m => new { m.ClusterId, m.NextAttemptAt })
            .ToListAsync(cancellationToken);
        foreach (var cluster in pending.GroupBy(m => m.ClusterId))
        {
            var due = cluster.Min(m => m.NextAttemptAt ?? now);
            if (due <= now) scheduler.ScheduleNow(cluster.Key);
            else scheduler.ScheduleAt(cluster.Key, due);
        }
        // After the outbox: a release wakes its own commit job.
        await scope.ServiceProvider.GetRequiredService<Governance.ScheduledReleases>().ReleaseDueAsync(cancellationToken);
    }
}
