using ControlApi.Concurrency;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ControlApi.Tests.Concurrency;

/// <summary>
/// The lease table on a real SQLite file, with two holders standing in for two replicas and a fake
/// clock, so expiry is exact and no test waits for real time to pass.
/// </summary>
public sealed class LeaseTests : IDisposable
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);
    private readonly SharedSqliteFile _database = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero));

    public void Dispose() => _database.Dispose();

    private Leases Replica(string holder) =>
        new(_database.Scopes, new LeaseHolder(holder), Options.Create(new LeaseOptions { Duration = Duration }), _time, NullLogger<Leases>.Instance);

    [Fact]
    public async Task A_held_lease_is_refused_to_the_other_holder_until_it_lapses_then_taken_over()
    {
        var a = Replica("replica-a");
        var b = Replica("replica-b");

        Assert.NotNull(await a.TryTakeAsync("commit:local", default));
        Assert.Null(await b.TryTakeAsync("commit:local", default));

        _time.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.Null(await b.TryTakeAsync("commit:local", default));
        Assert.True(await b.IsHeldAsync("commit:local", default));

        // Replica a died: it renews no more, and once the lease lapses b takes it.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(await b.IsHeldAsync("commit:local", default));
        Assert.NotNull(await b.TryTakeAsync("commit:local", default));

        // a, back from a long pause, finds it is no longer the holder and cannot take it back.
        Assert.Null(await a.RenewAsync("commit:local", default));
        Assert.Null(await a.TryTakeAsync("commit:local", default));
        Assert.Equal("replica-b", await _database.QueryAsync(db => db.Leases.Where(l => l.Name == "commit:local").Select(l => l.Holder).SingleAsync()));
    }

    [Fact]
    public async Task Renewing_keeps_the_lease_past_its_first_expiry()
    {
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        Assert.NotNull(await a.TryTakeAsync("track:local:3", default));

        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(_time.GetUtcNow() + Duration, await a.RenewAsync("track:local:3", default));

        // Past the first expiry (30 s), within the renewed one (50 s).
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(await b.TryTakeAsync("track:local:3", default));
    }

    [Fact]
    public async Task A_released_lease_is_free_at_once_and_only_its_holder_can_release_it()
    {
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        Assert.NotNull(await a.TryTakeAsync("poll:local", default));

        await b.ReleaseAsync("poll:local", default);
        Assert.Null(await b.TryTakeAsync("poll:local", default));

        await a.ReleaseAsync("poll:local", default);
        Assert.NotNull(await b.TryTakeAsync("poll:local", default));
    }

    [Fact]
    public async Task Holders_racing_for_a_new_lease_get_it_exactly_once()
    {
        var replicas = Enumerable.Range(0, 8).Select(i => Replica($"replica-{i}")).ToList();

        for (var round = 0; round < 5; round++)
        {
            var name = $"commit:race-{round}";
            using var start = new ManualResetEventSlim();
            var attempts = replicas.Select(r => Task.Run(async () =>
            {
                start.Wait();
                return (r.Holder, Expires: await r.TryTakeAsync(name, default));
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(attempts);

            var winner = Assert.Single(results, r => r.Expires is not null);
            Assert.Equal(winner.Holder, await _database.QueryAsync(db => db.Leases.Where(l => l.Name == name).Select(l => l.Holder).SingleAsync()));
        }
    }

    [Fact]
    public async Task A_held_lease_renews_itself_in_the_background_and_is_released_when_disposed()
    {
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        var lease = await a.TryAcquireAsync("commit:local", default);
        Assert.NotNull(lease);

        // The clock moves a second at a time (a heartbeat timer set up a moment late still fires)
        // past the first expiry, and the stored expiry, renewed, is still ahead of it.
        var taken = _time.GetUtcNow();
        await Eventually.WaitAsync(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            return _database.QueryAsync(db => db.Leases.Where(l => l.Name == "commit:local").Select(l => (DateTimeOffset?)l.ExpiresAt).SingleAsync());
        }, expires => _time.GetUtcNow() > taken + Duration + TimeSpan.FromSeconds(5) && expires > _time.GetUtcNow(), TimeSpan.FromSeconds(10), "renewals past the first expiry");
        // Past the first expiry: still a's.
        Assert.Null(await b.TryTakeAsync("commit:local", default));
        Assert.False(lease.Lost.IsCancellationRequested);

        await lease.DisposeAsync();
        Assert.NotNull(await b.TryTakeAsync("commit:local", default));
    }

    [Fact]
    public async Task A_holder_whose_lease_was_taken_over_is_told_to_stop()
    {
        var a = Replica("replica-a");
        await using var lease = await a.TryAcquireAsync("track:local:7", default);
        Assert.NotNull(lease);

        // As if a had paused past its expiry and b had taken the lease meanwhile.
        await _database.QueryAsync(db => db.Leases.Where(l => l.Name == "track:local:7")
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, "replica-b")));
        await Eventually.WaitAsync(() =>
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(lease.Lost.IsCancellationRequested);
        }, lost => lost, TimeSpan.FromSeconds(10), "the lease to be reported lost");
        // Losing it does not release b's row.
        await lease.DisposeAsync();
        Assert.Equal("replica-b", await _database.QueryAsync(db => db.Leases.Where(l => l.Name == "track:local:7").Select(l => l.Holder).SingleAsync()));
    }

    [Fact]
    public async Task Waiting_for_a_lease_backs_off_on_the_clock_and_gets_it_when_the_holder_lets_go()
    {
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        Assert.NotNull(await a.TryTakeAsync("poll:local", default));

        var waiting = b.AcquireAsync("poll:local", TimeSpan.FromMinutes(1), default);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);

        await a.ReleaseAsync("poll:local", default);
        // The waiter looks again only when its back-off elapses on the (fake) clock.
        var lease = await Eventually.WaitAsync(async () =>
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            return waiting.IsCompleted ? await waiting : null;
        }, l => l is not null, TimeSpan.FromSeconds(10), "the waiter to get the lease");
        await lease!.DisposeAsync();
    }
}
