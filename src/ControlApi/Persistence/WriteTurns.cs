using System.Security.Cryptography;
using System.Text;
using ControlApi.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace ControlApi.Persistence;

/// <summary>
/// What a write turn serialises against. <see cref="Cluster"/> for writers that number a cluster's
/// revisions (a change, an adoption, the commit job's bookkeeping); <see cref="Global"/> for the rest.
/// Every turn also holds the audit chain's head, since (nearly) every writer appends an audit event.
/// </summary>
public readonly record struct WriteScope(string? ClusterId)
{
    public static WriteScope Global => new((string?)null);

    public static WriteScope Cluster(string clusterId) => new(clusterId);
}

/// <summary>
/// Hands out write turns: one transaction together with the locks that keep per-cluster revision
/// numbers gap-free and the audit hash chain linear. Every writer takes one:
/// <code>
/// await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(id), ct);
/// … read, add, audit.AppendAsync …
/// await turn.CommitAsync(ct);   // locks released here; enqueue Hangfire jobs after this line
/// </code>
/// SQLite (one process per data directory): an in-process gate, then BEGIN — SQLite has one writer
/// anyway, and taking turns in-process avoids busy retries. PostgreSQL (several replicas): BEGIN,
/// then transaction-scoped advisory locks, cluster before chain head (one fixed order, so two turns
/// never wait for each other in a cycle).
/// </summary>
public sealed class WriteTurns(IOptions<DatabaseOptions> options, StorageHealth health)
{
    /// <summary>
    /// The first key of ControlApi's two-key advisory locks ('CAPI'). PostgreSQL's two-int4 and
    /// single-int8 advisory key spaces do not overlap (the manual, "Advisory Lock Functions"), so
    /// these never collide with an application's single-key locks; <see cref="MigrationLockKey"/>
    /// is a single-key lock.
    /// </summary>
    private const int LockSpace = 0x43415049;

    /// <summary>Second key of the audit chain head. Cluster keys are hashes with the top bit set, so never this.</summary>
    private const int ChainHeadKey = 0;

    /// <summary>Session-level lock held while migrations run at start (one replica migrates, the others wait).</summary>
    public const long MigrationLockKey = 0x43415049_4D494752; // 'CAPI' 'MIGR'

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DatabaseProvider _provider = options.Value.Provider;

    public async Task<WriteTurn> BeginAsync(ControlApiDbContext db, WriteScope scope, CancellationToken cancellationToken)
    {
        if (_provider == DatabaseProvider.Sqlite)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                return new WriteTurn(await db.Database.BeginTransactionAsync(cancellationToken), _gate, health);
            }
            catch
            {
                _gate.Release();
                throw;
            }
        }

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            // pg_advisory_xact_lock waits for the lock and holds it until the transaction ends — commit
            // or rollback, including a connection lost with a dead replica — with no unlock call
            // (the manual, "Advisory Locks"). Under READ COMMITTED every later statement takes a new
            // snapshot, so the reads after the lock (the last revision number, the chain's last hash)
            // see everything the previous holder committed.
            if (scope.ClusterId is { } clusterId)
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockSpace}, {ClusterKey(clusterId)})", cancellationToken);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockSpace}, {ChainHeadKey})", cancellationToken);
            return new WriteTurn(transaction, null, health);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>A stable key per cluster id (a hash collision only makes two clusters take turns).</summary>
    internal static int ClusterKey(string clusterId) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(clusterId)), 0) | int.MinValue;
}

/// <summary>One writer's transaction and locks. Commit to keep the work; dispose without committing rolls back. Either way the locks go.</summary>
public sealed class WriteTurn : IAsyncDisposable
{
    private readonly IDbContextTransaction _transaction;
    private readonly StorageHealth _health;
    private SemaphoreSlim? _gate;

    internal WriteTurn(IDbContextTransaction transaction, SemaphoreSlim? gate, StorageHealth health)
    {
        _transaction = transaction;
        _gate = gate;
        _health = health;
    }

    /// <summary>Commits and gives up the turn: anything enqueued after this runs outside the locks.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _transaction.CommitAsync(cancellationToken);
            _health.WriteSucceeded();
        }
        finally
        {
            await DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.DisposeAsync();
        }
        finally
        {
            Interlocked.Exchange(ref _gate, null)?.Release();
        }
    }
}
