using ControlApi.Hosting;

namespace ControlApi.Approvals;

/// <summary>
/// Ends held changes whose time is up (<c>approval.expired</c>, state Expired) every
/// <see cref="Interval"/> on the service clock, so an expiry is recorded and announced even when
/// nobody tries to approve. An approval or rejection attempt also expires a due request at once.
/// </summary>
public sealed class ApprovalExpirySweeper(IServiceScopeFactory scopes, TimeProvider time, ILogger<ApprovalExpirySweeper> logger) : BackgroundService
{
    /// <summary>How late an unattended expiry may be recorded: a request expires between its time and one interval later.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickThenYieldAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Approval expiry sweep failed; trying again in {Interval}", Interval);
            }
        }
    }

    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApprovalService>().ExpireDueAsync(cancellationToken);
    }
}
