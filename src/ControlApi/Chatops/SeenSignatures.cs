using System.Security.Cryptography;
using System.Text;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Chatops;

/// <summary>
/// Chat request signatures already admitted, in the database, so a request captured on its way to
/// one replica is refused by every other. The in-memory <see cref="ReplayCache"/> stays in front
/// (a replay to the same replica is refused without a query); this is the shared, deciding look.
/// Admission is an INSERT keyed by the signature's hash: two replicas racing on one request cannot
/// both insert it, so exactly one accepts. Rows past their window are pruned now and then.
/// </summary>
public sealed class SeenSignatures(IServiceScopeFactory scopes, TimeProvider time, ILogger<SeenSignatures> logger)
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);
    private long _lastPruneTicks;

    /// <summary>True the first time any replica sees <paramref name="signature"/> on <paramref name="channel"/>; false for a replay.</summary>
    /// <param name="expires">When the request's timestamp leaves the acceptance window; after that freshness refuses it anyway.</param>
    public async Task<bool> FirstTimeAsync(string channel, string signature, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var hash = Hash(channel, signature);
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        await PruneAsync(db, now, cancellationToken);

        db.SeenSignatures.Add(new SeenSignature { Hash = hash, ExpiresAt = StoredInstant.Of(expires) });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
        }

        // Already there: a replay, unless the row is a lapsed one not yet pruned (then the request
        // is fresh again only by a clock far off; take the row over, conditionally, once).
        var reused = await db.SeenSignatures.Where(s => s.Hash == hash && s.ExpiresAt <= now)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.ExpiresAt, StoredInstant.Of(expires)), cancellationToken);
        if (reused == 1) return true;
        if (await db.SeenSignatures.AnyAsync(s => s.Hash == hash, cancellationToken)) return false;
        throw new InvalidOperationException("The signature could not be remembered and is not stored either; refusing to decide.");
    }

    private async Task PruneAsync(ControlApiDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = Interlocked.Read(ref _lastPruneTicks);
        if (now.UtcTicks - last < PruneEvery.Ticks || Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) != last) return;
        var pruned = await db.SeenSignatures.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        if (pruned > 0) logger.LogDebug("Forgot {Count} chat signatures past their window", pruned);
    }

    // Neither the signature nor anything that could be replayed is stored: only its hash.
    private static string Hash(string channel, string signature) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{channel}\n{signature}")));
}
