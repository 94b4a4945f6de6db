namespace ControlApi.Hosting;

public static class PeriodicTimerExtensions
{
    /// <summary>
    /// <see cref="PeriodicTimer.WaitForNextTickAsync"/>, then the caller's work on the thread pool
    /// instead of inline in the timer's callback. Ticks that come while the work runs then coalesce
    /// into one, as the timer promises; inline, a clock that jumps ahead by hours (a resumed VM, a
    /// test's <c>FakeTimeProvider.Advance</c>) fires every missed period and runs the work once for
    /// each — thousands of outbox sweeps for nine hours of a two-second interval.
    /// </summary>
    public static async ValueTask<bool> WaitForNextTickThenYieldAsync(this PeriodicTimer timer, CancellationToken cancellationToken)
    {
        var ticked = await timer.WaitForNextTickAsync(cancellationToken);
        await Task.Yield();
        return ticked;
    }
}
