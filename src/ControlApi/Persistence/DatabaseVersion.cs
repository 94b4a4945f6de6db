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
/// SQLite: <c>PRAGMA data_version</c> on connections of its own that never write; SQLite changes
/// the value a connection reports when any other connection has committed since (the manual,
/// "PRAGMA data_version"). Asking costs a few microseconds and no read of any table.
/// PostgreSQL has no equivalent that is as cheap and as exact, so <see cref="Current"/> is null
/// there and callers read through.
/// </para>
/// <para>
/// Every request asks, so one connection behind one lock made requests queue (and spin) behind a
/// holder the scheduler had paused. A few connections are asked instead, whichever is free. Their
/// values are each connection's own and cannot be compared with each other, so the number handed
/// out is a shared generation, raised by whichever connection first sees its value move: a commit
/// made before a call is seen by the connection that call asks, either now or by that connection's
/// first call after the commit, and that raise came after the commit — so a generation read after
/// a commit always differs from one read before it.
/// </para>
/// </summary>
public sealed class DatabaseVersion : IDisposable
{
    private readonly string? _sqliteFile;
    private readonly Observer[] _observers;
    private long _generation;
    private int _next;

    public DatabaseVersion(IOptions<DatabaseOptions> options, DataPaths paths)
        : this(options.Value.Provider == DatabaseProvider.Sqlite ? paths.Database : null)
    {
    }

    /// <param name="sqliteFile">The SQLite database file; null for a database whose version cannot be told.</param>
    public DatabaseVersion(string? sqliteFile)
    {
        _sqliteFile = sqliteFile;
        _observers = sqliteFile is null ? [] : [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount * 2, 2, 8)).Select(_ => new Observer(sqliteFile))];
    }

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
        if (_observers.Length == 0) return null;
        var first = (int)((uint)Interlocked.Increment(ref _next) % (uint)_observers.Length);
        for (var i = 0; i < _observers.Length; i++)
        {
            var observer = _observers[(first + i) % _observers.Length];
            if (!observer.Gate.TryEnter()) continue;
            try
            {
                return Observe(observer);
            }
            finally
            {
                observer.Gate.Exit();
            }
        }
        // All busy: wait for one.
        lock (_observers[first].Gate) return Observe(_observers[first]);
    }

    private long? Observe(Observer observer)
    {
        if (observer.Read() is not { } value) return null;
        // A connection's first value (after opening or reopening) counts as a move: nothing is known of what it missed.
        if (observer.Last != value) Interlocked.Increment(ref _generation);
        observer.Last = value;
        return Interlocked.Read(ref _generation);
    }

    public void Dispose()
    {
        foreach (var observer in _observers)
            lock (observer.Gate) observer.Reset();
    }

    /// <summary>One connection that only ever asks for <c>data_version</c>; used under its <see cref="Gate"/>.</summary>
    private sealed class Observer(string file)
    {
        public readonly Lock Gate = new();
        public long? Last;
        private SqliteConnection? _connection;
        private sqlite3_stmt? _query;

        public long? Read()
        {
            try
            {
                if (_query is null)
                {
                    _connection = new SqliteConnection(new SqliteConnectionStringBuilder
                    {
                        DataSource = file,
                        // Never creates the file: before migrations there is nothing to keep.
                        Mode = SqliteOpenMode.ReadWrite,
                        Cache = SqliteCacheMode.Private,
                        // Its own connection for the life of the process: the value is per connection.
                        Pooling = false,
                    }.ToString());
                    _connection.Open();
                    // Prepared once and stepped through SQLite's own API, so the gate is held for the
                    // step alone, not for a command and a data reader.
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
                    // Ends the read transaction the step began, so checkpoints are never held up.
                    raw.sqlite3_reset(_query);
                }
            }
            catch (SqliteException)
            {
                // A file that cannot be opened or read right now (missing, locked, broken): the caller
                // reads through and meets the storage fault itself; open afresh next time.
                Reset();
                return null;
            }
        }

        public void Reset()
        {
            _query?.Dispose();
            _connection?.Dispose();
            _query = null;
            _connection = null;
            Last = null;
        }

        private static void Check(int result)
        {
            if (result != raw.SQLITE_OK) throw Failed(result);
        }

        private static SqliteException Failed(int result) =>
            new($"PRAGMA data_version failed: {raw.sqlite3_errstr(result).utf8_to_string()}", result);
    }
}
