namespace ControlApi.Data;

/// <summary>The engine under <see cref="ControlApiDbContext"/>: <c>ControlApi:Database:Provider</c>.</summary>
public enum DatabaseProvider
{
    /// <summary>A file in the data directory: one replica, nothing to run beside it (the default).</summary>
    Sqlite,

    /// <summary>A PostgreSQL server shared by every replica.</summary>
    PostgreSql,
}
