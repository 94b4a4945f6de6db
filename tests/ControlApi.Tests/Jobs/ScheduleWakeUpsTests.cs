using ControlApi.Jobs;

namespace ControlApi.Tests.Jobs;

/// <summary>
/// The scheduler's wake-up: it sleeps until the earliest announced due time, not until its fallback.
/// Each wait runs on its own thread (the scheduler's is a dedicated one) and is awaited with a
/// deadline far below the hour-long fallback.
/// </summary>
public sealed class ScheduleWakeUpsTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_waiting_scheduler_wakes_when_a_job_falls_due_not_at_its_fallback()
    {
        var wakeUps = new ScheduleWakeUps(TimeProvider.System);
        var ran = wakeUps.Now;
        var waiting = Task.Run(() => wakeUps.WaitForDue(ran, Hour, CancellationToken.None));

        wakeUps.Due(DateTimeOffset.UtcNow.AddMilliseconds(200));

        await waiting.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_time_announced_between_a_run_and_its_wait_is_not_lost_and_is_looked_at_once_more()
    {
        var wakeUps = new ScheduleWakeUps(TimeProvider.System);
        var ran = wakeUps.Now;
        wakeUps.Due(DateTimeOffset.UtcNow);

        // Due now (after the run began), and once more a second later (the scheduling transaction may not have committed).
        await Task.Run(() => wakeUps.WaitForDue(ran, Hour, CancellationToken.None)).WaitAsync(Deadline);
        var ranAgain = wakeUps.Now;
        await Task.Run(() => wakeUps.WaitForDue(ranAgain, Hour, CancellationToken.None)).WaitAsync(Deadline);
    }

    [Fact]
    public async Task Stopping_ends_the_wait()
    {
        var wakeUps = new ScheduleWakeUps(TimeProvider.System);
        using var stopping = new CancellationTokenSource();
        var waiting = Task.Run(() => wakeUps.WaitForDue(wakeUps.Now, Hour, stopping.Token));

        await stopping.CancelAsync();

        await waiting.WaitAsync(Deadline);
    }

    [Fact]
    public void An_enqueue_wakes_the_workers_waiting_for_its_queue_only()
    {
        var queues = new QueueWakeUps();
        var commits = queues.Next("default");
        var tracks = queues.Next("track");

        queues.Pulse("DEFAULT");

        Assert.True(commits.IsCancellationRequested);
        Assert.False(tracks.IsCancellationRequested);
        // The next wait is on a fresh token.
        Assert.False(queues.Next("default").IsCancellationRequested);
    }
}
