using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlApi.Persistence;

/// <summary>
/// Sets <c>synchronous=NORMAL</c> on every SQLite connection EF opens (the pragma lives per
/// connection, unlike <c>journal_mode=WAL</c>, which the file keeps). In WAL mode NORMAL syncs the
/// log at checkpoints, not at every commit: a committed change survives the process crashing or
/// being killed (the WAL is in the OS's page cache), and only an OS crash or power loss can drop
/// the last commits before a checkpoint — never corrupt the file (sqlite.org, "PRAGMA synchronous").
/// FULL's fsync per commit was the largest single cost inside the write turn under a burst
/// (README, "Durability"). PostgreSQL connections are left alone.
/// </summary>
public sealed class SqliteDurabilityInterceptor : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is not SqliteConnection sqlite) return;
        using var command = sqlite.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is not SqliteConnection sqlite) return;
        await using var command = sqlite.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
