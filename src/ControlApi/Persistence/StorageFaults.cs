using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ControlApi.Persistence;

/// <summary>What kind of storage trouble stopped a request: the disk, the permissions, or the database.</summary>
public enum StorageFaultKind
{
    /// <summary>The disk or the database is full.</summary>
    Full,

    /// <summary>The data directory or the database cannot be written.</summary>
    ReadOnly,

    /// <summary>The database cannot be opened or reached.</summary>
    Unavailable,

    /// <summary>Another connection or process holds the database's write lock.</summary>
    Locked,
}

/// <summary>A storage fault as the API reports it: what happened, and when trying again makes sense.</summary>
public sealed record StorageFault(StorageFaultKind Kind, string What)
{
    public TimeSpan RetryAfter => Kind == StorageFaultKind.Locked ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30);
}

/// <summary>
/// The one place that recognises storage faults among exceptions (SQLite result codes, I/O errors,
/// other ADO.NET providers' <see cref="DbException"/>s), so the API, <c>/readyz</c> and the jobs
/// describe a full disk, a read-only data directory or a locked database the same way.
/// </summary>
public static class StorageFaults
{
    // SQLite primary result codes (https://sqlite.org/rescode.html); extended codes keep these in their low byte.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;

    // errno values on Linux, as .NET reports them in an IOException's HResult.
    private const int Enospc = 28;
    private const int Erofs = 30;
    private const int Edquot = 122;

    /// <summary>The storage fault behind <paramref name="exception"/> (or one of its inner exceptions), or null when it is none.</summary>
    public static StorageFault? Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (Classify1(current) is { } fault) return fault;
        }
        return null;
    }

    // What is said is ControlApi's own words, never a provider's message (the log has the exception):
    // the answer goes to API clients and /readyz, which need what happened, not driver internals.
    private static StorageFault? Classify1(Exception exception) => exception switch
    {
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            SqliteFull => new(StorageFaultKind.Full, "The database is full or the disk has no space left."),
            SqliteReadOnly => new(StorageFaultKind.ReadOnly, "The database cannot be written: the data directory or the database file is read-only."),
            SqliteCantOpen => new(StorageFaultKind.Unavailable, "The database file cannot be opened."),
            SqliteBusy or SqliteLocked => new(StorageFaultKind.Locked, "The database is locked by another connection or process."),
            SqliteIoError => new(StorageFaultKind.Unavailable, "The database could not be read or written: a disk I/O error."),
            _ => null,
        },
        IOException io when (io.HResult & 0xFFFF) is Enospc or Edquot || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) =>
            new(StorageFaultKind.Full, $"The disk has no space left ({io.Message})."),
        IOException io when (io.HResult & 0xFFFF) == Erofs || io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) =>
            new(StorageFaultKind.ReadOnly, $"The data directory is on a read-only file system ({io.Message})."),
        // PostgreSQL: a server that refuses more connections, is starting or shutting down, or a
        // disk full on the server (SQLSTATE classes 53, 57P and 08 in the PostgreSQL error codes appendix).
        DbException { SqlState: "53100" } => new(StorageFaultKind.Full, "The database server has no disk space left (SQLSTATE 53100)."),
        DbException { SqlState: "55P03" or "40P01" } pg => new(StorageFaultKind.Locked, $"The database is locked by another session (SQLSTATE {pg.SqlState})."),
        // Another provider's failure to reach or use its database: no SQLSTATE (the connection or the
        // network failed before the server answered), or a class that means the server cannot serve
        // (08 connection, 28 authorization, 3D no such database, 53 resources, 55000 not accepting
        // connections, 57 operator intervention, 58 system error). Other SQLSTATEs — a constraint, a
        // serialization failure, a query ControlApi got wrong — are not storage trouble and stay
        // errors, so readiness does not fail on them. Its code only, never its message: a connection
        // failure's message can name the server.
        DbException db when db is not SqliteException && ServerCannotServe(db.SqlState) =>
            new(StorageFaultKind.Unavailable, $"The database cannot be used (error {db.SqlState ?? db.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture)})."),
        _ => null,
    };

    private static bool ServerCannotServe(string? sqlState) =>
        sqlState is null or "55000" or "3D000" || sqlState.Length == 5 && sqlState[..2] is "08" or "28" or "53" or "57" or "58";
}

/// <summary>
/// The latest storage fault a request ran into, so <c>/readyz</c> reports it while it lasts: a full
/// disk still lets the database open, so opening it is not proof of health. It lasts until a write
/// is committed (proof that storage takes writes again) or <see cref="Memory"/> passes without it being seen.
/// </summary>
public sealed class StorageHealth(TimeProvider time)
{
    /// <summary>How long a fault keeps the service unready after it was last seen.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromSeconds(30);

    private volatile Seen? _last;

    public void Report(StorageFault fault) => _last = new Seen(fault, time.GetUtcNow());

    /// <summary>A write was committed: storage takes writes again, whatever was seen before it.</summary>
    public void WriteSucceeded() => _last = null;

    /// <summary>The fault seen within <see cref="Memory"/>, if any.</summary>
    public StorageFault? Current => _last is { } last && time.GetUtcNow() - last.At < Memory ? last.Fault : null;

    private sealed record Seen(StorageFault Fault, DateTimeOffset At);
}
