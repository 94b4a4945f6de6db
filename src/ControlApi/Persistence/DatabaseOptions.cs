using ControlApi.Data;

namespace ControlApi.Persistence;

/// <summary><c>ControlApi:Database</c>: which engine holds revisions, the audit chain and Hangfire's jobs.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "ControlApi:Database";

    /// <summary><c>Sqlite</c> (a file in the data directory, one replica) or <c>PostgreSql</c> (several replicas).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>PostgreSQL only: an Npgsql connection string. Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL only: a file holding the connection string (a mounted Secret); read at start, trimmed.</summary>
    public string? ConnectionStringFile { get; set; }

    /// <summary>Apply migrations when the service starts (default). Off when a <c>migrate</c> Job does it before the rollout.</summary>
    public bool MigrateAtStart { get; set; } = true;
}
