using ControlApi.Configuration;
using ControlApi.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace ControlApi.Persistence;

/// <summary>
/// A number that changes whenever anyone commits a change to the database — this process, another
/// process on the same file, a person with the sqlite3 shell — so that data read from it can be
/// kept in memory and served again for as long as the number stays the same.
/// <para>
/// SQLite: <c>PRAGMA data_version</c> on a connection of its own that never writes; SQLite changes
/// the value a connection reports when any other connection has committed since (the manual,
/// "PRAGMA data_version"). Asking costs a few microseconds and no read of any table.
/// PostgreSQL has no equivalent that is as cheap and as exact, so <see cref="Current"/> is null
/// there and callers read through.
/// </para>
/// </summary>
public sealed class DatabaseVersion : IDisposable
{
    private readonly string? _sqliteFile;
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private sqlite3_stmt? _query;

    public DatabaseVersion(IOptions<DatabaseOptions> options, DataPaths paths)
        : this(options.Value.Provider == DatabaseProvider.Sqlite ? paths.Database : null)
    {
    }

    /// <param name="sqliteFile">The SQLite database file; null for a database whose version cannot be told.</param>
    public DatabaseVersion(string? sqliteFile) => _sqliteFile = sqliteFile;

    /// <summary>True where <see cref="Current"/> is exact (SQLite): a null from it then means "cannot tell right now", not "never can".</summary>
    public bool IsTracked => _sqliteFile is not null;

    /// <summary>
    /// The version now, or null when it cannot be told (PostgreSQL, or the file cannot be read at the
    /// moment: then nothing may be served from memory). Read it <em>before</em> reading the data it
    /// will label: a change committed in between makes the label older than the data, never newer,
    /// so the worst outcome is one needless re-read.
    /// </summary>
    public long? Current()
    {
        if (_sqliteFile is null) return null;
        lock (_gate)
        {
            try
            {
                if (_query is null)
                {
                    _connection = new SqliteConnection(new SqliteConnectionStringBuilder
                    {
                        DataSource = _sqliteFile,
                        Mode = SqliteOpenMode.ReadWrite,
                        Cache = SqliteCacheMode.Private,
                        // Its own connection for the life of the process: the value is per connection.
                        Pooling = false,
                        DefaultTimeout = 5,
                    }.ToString());
                    _connection.Open();
                    // Prepared once and stepped through SQLite's own API: every request asks, under
                    // one lock, so the lock is held for the step alone (well under a microsecond),
                    // not for a command and a data reader.
                    Check(raw.sqlite3_prepare_v2(_connection.Handle, "PRAGMA data_version;", out var statement));
                    _query = statement;
                }
                try
                {
                    var stepped = raw.sqlite3_step(_query);
                    if (stepped != raw.SQLITE_ROW) throw Failed(stepped);
                    return raw.sqlite3_column_int64(_query, 0);
                }
                finally
                {
                    raw.sqlite3_reset(_query);
                }
            }
            catch (SqliteException)
            {
                // A file that cannot be opened right now (missing, locked, broken): read through, and
                // open afresh next time, so the request meets the storage fault itself and reports it.
                Reset();
                return null;
            }
        }
    }

    private static void Check(int result)
    {
        if (result != raw.SQLITE_OK) throw Failed(result);
    }

    private static SqliteException Failed(int result) =>
        new($"PRAGMA data_version failed: {raw.sqlite3_errstr(result).utf8_to_string()}", result);

    private void Reset()
    {
        _query?.Dispose();
        _connection?.Dispose();
        _query = null;
        _connection = null;
    }

    public void Dispose()
    {
        lock (_gate) Reset();
    }
}
