using ControlApi.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlApi.Concurrency;

/// <summary><c>ControlApi:Leases</c>: how long a replica's claim on a job outlives its last renewal.</summary>
public sealed class LeaseOptions
{
    public const string SectionName = "ControlApi:Leases";

    /// <summary>
    /// A lease not renewed for this long may be taken over by another replica: the bound on how long
    /// the work of a killed replica waits. The holder renews every third of it.
    /// </summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>This process's name as a lease holder: random per start, so a restarted replica never mistakes an old claim for its own.</summary>
public sealed record LeaseHolder(string Id)
{
    // The machine (pod) name and process id are for people reading the table; the random part makes it unique.
    public static LeaseHolder ForThisProcess()
    {
        var machine = Environment.MachineName;
        return new($"{machine[..Math.Min(machine.Length, 50)]}:{Environment.ProcessId}:{Guid.NewGuid():N}");
    }
}

/// <summary>The lease names, in one place so the job that takes a lease and the poll that looks at it agree.</summary>
public static class LeaseNames
{
    public static string Commit(string clusterId) => $"commit:{clusterId}";
    public static string Track(string clusterId, int revision) => $"track:{clusterId}:{revision}";
    public static string Poll(string clusterId) => $"poll:{clusterId}";
}

/// <summary>
/// Database leases: one row per piece of work, so a job runs on one replica at a time on either
/// engine. Taking is one conditional UPDATE (expired, or already ours) and, when there is no row
/// yet, an INSERT that the primary key lets only one replica win; both are counted, never assumed.
/// Every call uses a context of its own, outside the caller's transaction, so a claim is visible to
/// the other replicas at once. Expiry is judged on this process's clock (<see cref="TimeProvider"/>):
/// replicas' clocks must agree to well within <see cref="LeaseOptions.Duration"/> (NTP does).
/// </summary>
public sealed class Leases(IServiceScopeFactory scopes, LeaseHolder holder, IOptions<LeaseOptions> options, TimeProvider time, ILogger<Leases> logger)
{
    public TimeSpan Duration => options.Value.Duration;

    /// <summary>A third of the duration: two renewals may fail before another replica could take over.</summary>
    public TimeSpan RenewInterval => Duration / 3;

    public string Holder => holder.Id;

    /// <summary>The lease, renewed in the background until disposed; null while another holder's claim is alive.</summary>
    public async Task<HeldLease?> TryAcquireAsync(string name, CancellationToken cancellationToken)
    {
        var expires = await TryTakeAsync(name, cancellationToken);
        return expires is { } until ? new HeldLease(this, name, until, time, logger) : null;
    }

    /// <summary>Waits for the lease with back-off (never a tight loop) until <paramref name="maxWait"/> has passed; null then.</summary>
    public async Task<HeldLease?> AcquireAsync(string name, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + maxWait;
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            if (await TryAcquireAsync(name, cancellationToken) is { } lease) return lease;
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero) return null;
            await Task.Delay(Min(pause, left), time, cancellationToken);
            pause = Min(pause * 2, RenewInterval);
        }
    }

    /// <summary>The new expiry when this holder now has the lease; null when someone else's claim is still alive.</summary>
    public async Task<DateTimeOffset?> TryTakeAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var now = Now();
        var until = now + Duration;
        var me = holder.Id;
        var taken = await db.Leases
            .Where(l => l.Name == name && (l.ExpiresAt < now || l.Holder == me))
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, me).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken == 1) return until;

        db.Leases.Add(new Data.Entities.Lease { Name = name, Holder = me, ExpiresAt = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return until;
        }
        catch (DbUpdateException)
        {
            // Another replica inserted the row first (the primary key refused ours): theirs. Any
            // other failure (no row there either) is the database's and is not a refusal.
            if (await ExistsAsync(name, cancellationToken)) return null;
            throw;
        }
    }

    /// <summary>Moves this holder's expiry on; false when the lease is no longer this holder's (it lapsed and was taken).</summary>
    public async Task<DateTimeOffset?> RenewAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var until = Now() + Duration;
        var me = holder.Id;
        var renewed = await db.Leases.Where(l => l.Name == name && l.Holder == me)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.ExpiresAt, until), cancellationToken);
        return renewed == 1 ? until : null;
    }

    /// <summary>Lets go at once, so the next job need not wait for the expiry; only this holder's row is removed.</summary>
    public async Task ReleaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var me = holder.Id;
        var now = Now();
        // Released by expiring it, not deleting it: the next holder then takes the row with the
        // UPDATE, and only a name's first use inserts. (Deleting made every acquisition an INSERT,
        // and holders racing for one drew primary-key failures that EF logs as errors.) Rows nobody
        // used for a day go, so per-revision track leases do not pile up.
        await db.Leases.Where(l => l.Name == name && l.Holder == me)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.ExpiresAt, now - TimeSpan.FromMicroseconds(1)), cancellationToken);
        var forgotten = now - ForgetAfter;
        await db.Leases.Where(l => l.ExpiresAt < forgotten).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>How long a lapsed or released lease row is kept for its name's next holder.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    /// <summary>When someone's live claim on <paramref name="name"/> ends at the latest; null when nobody holds it.</summary>
    public async Task<DateTimeOffset?> HeldUntilAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var now = Now();
        var lease = await db.Leases.AsNoTracking().Where(l => l.Name == name && l.ExpiresAt >= now).FirstOrDefaultAsync(cancellationToken);
        return lease?.ExpiresAt;
    }

    public async Task<bool> IsHeldAsync(string name, CancellationToken cancellationToken) =>
        await HeldUntilAsync(name, cancellationToken) is not null;

    private async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        return await db.Leases.AnyAsync(l => l.Name == name, cancellationToken);
    }

    // As stored on both engines, so the value compared is the value stored (a test may hand in a finer clock).
    private DateTimeOffset Now() => StoredInstant.Of(time.GetUtcNow());

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>
/// A lease this process holds: renewed every <see cref="Leases.RenewInterval"/> until disposed,
/// then released. <see cref="Lost"/> is cancelled when it can no longer be vouched for — taken over
/// after a lapse, or not renewable before it expires — so the work stops before another replica
/// could start the same work.
/// </summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly Leases _leases;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _heartbeat;
    private DateTimeOffset _expires;
    private int _disposed;

    internal HeldLease(Leases leases, string name, DateTimeOffset expires, TimeProvider time, ILogger logger)
    {
        _leases = leases;
        Name = name;
        _expires = expires;
        _time = time;
        _logger = logger;
        _heartbeat = Task.Run(HeartbeatAsync);
    }

    public string Name { get; }

    public CancellationToken Lost => _lost.Token;

    private async Task HeartbeatAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_leases.RenewInterval, _time, _stop.Token);
                if (await _leases.RenewAsync(Name, _stop.Token) is { } until)
                {
                    _expires = until;
                    continue;
                }
                _logger.LogWarning("Lease {Lease} was taken over by another replica; stopping its work here", Name);
                await _lost.CancelAsync();
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be back before the claim lapses; past the last safe moment the work must stop.
                if (_expires - _time.GetUtcNow() > _leases.RenewInterval)
                {
                    _logger.LogWarning(ex, "Lease {Lease} could not be renewed; trying again", Name);
                    continue;
                }
                _logger.LogWarning(ex, "Lease {Lease} could not be renewed before it lapses; stopping its work here", Name);
                await _lost.CancelAsync();
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        await _heartbeat;
        if (!_lost.IsCancellationRequested)
        {
            try
            {
                await _leases.ReleaseAsync(Name, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Not fatal: the claim lapses by itself after the lease duration.
                _logger.LogWarning(ex, "Lease {Lease} could not be released; it lapses at {Expires}", Name, _expires);
            }
        }
        _stop.Dispose();
        _lost.Dispose();
    }
}

public static class LeaseExtensions
{
    public static IServiceCollection AddLeases(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LeaseOptions>().Bind(configuration.GetSection(LeaseOptions.SectionName))
            .Validate(o => o.Duration >= TimeSpan.FromSeconds(3), $"{LeaseOptions.SectionName}:Duration must be at least 3 seconds (it is renewed every third).")
            .ValidateOnStart();
        services.AddSingleton(LeaseHolder.ForThisProcess());
        services.AddSingleton<Leases>();
        return services;
    }
}
