using ControlApi.Commits;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ControlApi.Tests.Commits;

/// <summary>
/// The scheduler keeps one pending wake per cluster, so sweeps and early wakes do not pile up
/// commit jobs; but with several replicas the job of a wake may run on another replica (and only
/// that one learns it started), so a wake long past its time must not hold back the next one.
/// </summary>
public sealed class CommitSchedulerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly CountingJobClient _jobs = new();

    private CommitScheduler Scheduler() => new(_jobs, _clock, NullLogger<CommitScheduler>.Instance);

    [Fact]
    public void A_wake_whose_job_ran_on_another_replica_does_not_block_this_replicas_next_wake_for_more_than_seconds()
    {
        var scheduler = Scheduler();
        scheduler.ScheduleNow("local");
        // Taken by another replica's worker, which then died: Started never runs here.
        _clock.Advance(TimeSpan.FromSeconds(1));
        scheduler.ScheduleNow("local");
        Assert.Equal(1, _jobs.Created);

        // The next sweep after the pick-up allowance (10 s) asks again — not only minutes later.
        _clock.Advance(TimeSpan.FromSeconds(10));
        scheduler.ScheduleNow("local");

        Assert.Equal(2, _jobs.Created);
    }

    [Fact]
    public void A_wake_still_ahead_keeps_later_asks_from_scheduling_another_job()
    {
        var scheduler = Scheduler();
        var retryAt = _clock.GetUtcNow() + TimeSpan.FromMinutes(5);
        Assert.True(scheduler.ScheduleAt("local", retryAt));

        // Sweeps during the outage ask for the same retry again and again.
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(20));
            Assert.False(scheduler.ScheduleAt("local", retryAt));
        }

        Assert.Equal(1, _jobs.Created);
    }

    private sealed class CountingJobClient : IBackgroundJobClient
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public string Create(Job job, IState state) => Interlocked.Increment(ref _created).ToString(System.Globalization.CultureInfo.InvariantCulture);

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }
}
