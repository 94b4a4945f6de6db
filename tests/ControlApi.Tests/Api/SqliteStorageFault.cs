using System.Data.Common;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlApi.Tests.Api;

/// <summary>
/// Makes SQLite itself refuse writes, as a full disk or a read-only file would, without filling a
/// disk or changing permissions (tests run as root, where permissions stop nothing). Registered in
/// the test host as an EF interceptor by DI; while on, every connection the service opens is limited
/// with SQLite's own pragmas, so the errors are the ones SQLite raises:
/// <c>max_page_count</c> at the current size → SQLITE_FULL as soon as the file would grow;
/// <c>query_only</c> → SQLITE_READONLY on any write. Off, each opened connection is given its
/// limits back (pooled connections keep pragmas between opens).
/// </summary>
public sealed class SqliteStorageFault : DbConnectionInterceptor
{
    private readonly Lock _lock = new();
    private StorageFaultKind? _kind;
    private bool _used;

    public void Set(StorageFaultKind kind)
    {
        if (kind is not (StorageFaultKind.Full or StorageFaultKind.ReadOnly)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "only a full or read-only database");
        lock (_lock) (_used, _kind) = (true, kind);
    }

    public void Clear()
    {
        lock (_lock) _kind = null;
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        StorageFaultKind? kind;
        lock (_lock)
        {
            if (!_used) return;
            kind = _kind;
        }
        using var command = connection.CreateCommand();
        switch (kind)
        {
            case StorageFaultKind.Full:
                command.CommandText = "PRAGMA page_count";
                var pages = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                command.CommandText = $"PRAGMA query_only = OFF; PRAGMA max_page_count = {pages}";
                break;
            case StorageFaultKind.ReadOnly:
                command.CommandText = "PRAGMA max_page_count = 4294967294; PRAGMA query_only = ON";
                break;
            default:
                // SQLite clamps the page limit to its largest.
                command.CommandText = "PRAGMA max_page_count = 4294967294; PRAGMA query_only = OFF";
                break;
        }
        command.ExecuteNonQuery();
    }
}
