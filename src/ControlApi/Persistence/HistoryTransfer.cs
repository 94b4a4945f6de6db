using System.Text.Json;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Persistence;

/// <summary>
/// Moves an installation's history to another database (SQLite → PostgreSQL when going HA):
/// revisions with their timelines, the outbox (revisions not yet committed stay pending), the audit
/// chain and the API keys (hashes only). <c>export --to file</c> reads the configured database;
/// <c>import --from file</c> writes into an empty configured database in one transaction, after
/// checking the file's audit chain, and checks the chain again as stored before committing.
/// Observations, webhooks and chat state are not moved: polls observe again, webhooks are
/// subscribed again (their secrets are bound to the old key ring).
/// </summary>
public static class HistoryTransfer
{
    public const string Format = "controlapi-history/1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public sealed record HistoryFile(
        string Format,
        DateTimeOffset ExportedAt,
        List<Revision> Revisions,
        List<OutboxMessage> Outbox,
        List<AuditEvent> AuditEvents,
        List<ApiKey> ApiKeys);

    public static async Task<HistoryFile> ExportAsync(ControlApiDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var revisions = await db.Revisions.AsNoTracking().Include(r => r.Timeline).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        foreach (var revision in revisions) revision.Timeline = revision.Timeline.OrderBy(t => t.Id).ToList();
        return new HistoryFile(Format, now, revisions,
            await db.Outbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync(cancellationToken),
            await db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync(cancellationToken),
            await db.ApiKeys.AsNoTracking().OrderBy(k => k.Id).ToListAsync(cancellationToken));
    }

    /// <summary>Null when imported; otherwise why not (nothing was written).</summary>
    public static async Task<string?> ImportAsync(ControlApiDbContext db, HistoryFile history, CancellationToken cancellationToken)
    {
        if (history.Format != Format) return $"The file is not a ControlApi history export ({Format}).";
        if (VerifyChain(history.AuditEvents) is { } broken)
            return $"The file's audit chain does not verify ({broken}); nothing was imported. It was changed after the export: export again from the source.";
        if (await db.Revisions.AnyAsync(cancellationToken) || await db.AuditEvents.AnyAsync(cancellationToken))
            return "The configured database already holds revisions or audit events; import only into an empty one.";

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A first start may have made the bootstrap admin key; the file's keys replace it.
        await db.ApiKeys.ExecuteDeleteAsync(cancellationToken);
        // Ids are kept: the outbox and the audit cursor (Last-Event-ID, paging) refer to them.
        db.ApiKeys.AddRange(history.ApiKeys);
        db.Revisions.AddRange(history.Revisions);
        db.Outbox.AddRange(history.Outbox);
        foreach (var e in history.AuditEvents) KeepHashedInstant(e);
        db.AuditEvents.AddRange(history.AuditEvents);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await AdvanceIdentitiesAsync(db, cancellationToken);

        // As stored, read back: what the service will verify from now on.
        var stored = await new AuditChainVerifier(db).VerifyAsync(cancellationToken);
        if (!stored.Ok || stored.Checked != history.AuditEvents.Count)
            return $"The audit chain does not verify as imported (event {stored.FirstBrokenId}: {stored.Problem}); nothing was imported. Keep running on the source (it is unchanged) and report this with the file.";
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// Versions before instants were cut to microseconds stored (and hashed) 100 ns instants in
    /// SQLite; <c>timestamptz</c> would drop the last digit and the chain would no longer verify. The
    /// hashed instant is split into whole microseconds and the ticks below them, which every engine
    /// keeps; the hash and the API add them back, so the event reads and verifies as it did. Events
    /// written at whole microseconds (every one today) are stored unchanged. Done for every target
    /// engine, so what an import stores does not depend on where it went.
    /// </summary>
    private static void KeepHashedInstant(AuditEvent e) =>
        (e.Time, e.SubMicrosecondTicks) = StoredInstant.Split(AuditLog.InstantOf(e));

    /// <summary>
    /// PostgreSQL identity columns draw from a sequence that explicit ids do not move: set each past
    /// the highest imported id so the next revision or audit event does not collide with one imported.
    /// (SQLite's AUTOINCREMENT already continues after the highest id.)
    /// </summary>
    private static async Task AdvanceIdentitiesAsync(ControlApiDbContext db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql()) return;
        foreach (var entity in db.Model.GetEntityTypes())
        {
            if (entity.FindPrimaryKey()?.Properties is not [{ ValueGenerated: Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd } key]
                || (key.ClrType != typeof(long) && key.ClrType != typeof(int)) || entity.GetTableName() is not { } table)
                continue;
            var column = key.GetColumnName();
#pragma warning disable EF1002 // names come from the EF model, not from input
            await db.Database.ExecuteSqlRawAsync(
                $"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)",
                cancellationToken);
#pragma warning restore EF1002
        }
    }

    /// <summary>Null when the events, in id order, form the chain; otherwise the first that does not.</summary>
    public static string? VerifyChain(IEnumerable<AuditEvent> events)
    {
        var previous = AuditLog.GenesisHash;
        foreach (var e in events.OrderBy(e => e.Id))
        {
            if (!string.Equals(e.PreviousHash, previous, StringComparison.Ordinal)) return $"event {e.Id}: {AuditChainVerifier.LinkBroken}";
            if (!AuditLog.ContentMatchesHash(e)) return $"event {e.Id}: {AuditChainVerifier.ContentChanged}";
            previous = e.Hash;
        }
        return null;
    }

    internal static async Task<int> ExportCommandAsync(IServiceProvider services, string? to, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(to)) return Fail("Usage: export --to <file>");
        if (File.Exists(to)) return Fail($"{to} exists; export writes a new file.");
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var history = await ExportAsync(db, scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
        if (VerifyChain(history.AuditEvents) is { } broken) return Fail($"The configured database's audit chain does not verify ({broken}); not exported. GET /api/v1/audit/verify names the first event that does not fit: find out what changed it before moving the history.");
        await using (var file = new FileStream(to, FileMode.CreateNew, FileAccess.Write))
            await JsonSerializer.SerializeAsync(file, history, Json, cancellationToken);
        Console.WriteLine($"Exported {history.Revisions.Count} revisions, {history.AuditEvents.Count} audit events and {history.ApiKeys.Count} API keys to {to}.");
        return 0;
    }

    internal static async Task<int> ImportCommandAsync(IServiceProvider services, string? from, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(from)) return Fail("Usage: import --from <file>");
        if (!File.Exists(from)) return Fail($"{from} does not exist.");
        HistoryFile? history;
        await using (var file = File.OpenRead(from))
        {
            try
            {
                history = await JsonSerializer.DeserializeAsync<HistoryFile>(file, Json, cancellationToken);
            }
            catch (JsonException ex)
            {
                return Fail($"{from} is not a ControlApi history export: {ex.Message}");
            }
        }
        if (history is null) return Fail($"{from} is empty.");

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        // The target may be brand new: bring its schema up to date first.
        await db.Database.MigrateAsync(cancellationToken);
        if (await ImportAsync(db, history, cancellationToken) is { } refused) return Fail(refused);
        Console.WriteLine($"Imported {history.Revisions.Count} revisions, {history.AuditEvents.Count} audit events (chain verified) and {history.ApiKeys.Count} API keys from {from}.");
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}
