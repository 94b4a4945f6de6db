using System.Reflection;
using ControlApi.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlApi.Persistence;

/// <summary>
/// A first start on SQLite: an empty database gets its schema from one script instead of from EF
/// Core's migrator. The migrator builds every migration's target model (its Designer file) to
/// generate the SQL, and needs the service's own model, so it cannot begin before that is built —
/// together about a third of a cold start's CPU (README "Start-up and memory"). The script is the
/// very SQL the migrator generates for all migrations (<c>FreshDatabase.sql</c> in the migrations
/// assembly, kept in step by a test that regenerates it), the <c>__EFMigrationsHistory</c> rows
/// included, so the database is the one the migrator would have made; any database that is not
/// empty, or a script that does not end at the latest migration, takes the migrator's path as before.
/// </summary>
public static class FreshSqliteDatabase
{
    /// <summary>The embedded script's name in <see cref="ControlApiDbContext.MigrationsAssembly"/>.</summary>
    public const string ScriptResource = "ControlApi.Migrations.FreshDatabase.sql";

    /// <summary>The script's first line names the migration it ends at.</summary>
    public const string LastMigrationPrefix = "-- last migration: ";

    /// <summary>
    /// Creates the schema from the script if the database has nothing in it yet. False (and nothing
    /// changed) when it has, or when the script does not end at the latest migration.
    /// </summary>
    public static async Task<bool> TryCreateAsync(string connectionString, CancellationToken cancellationToken)
    {
        var script = ReadScript();
        if (script is null || LastMigrationOf(script) != LatestMigration()) return false;

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // Outside the transaction (the file keeps it), as the migrator's path sets it.
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        // BEGIN IMMEDIATE: the write lock from the emptiness check to the commit, so another process
        // migrating the same file (the migrate command) either finds this schema or made its own first.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var count = connection.CreateCommand())
        {
            count.CommandText = "SELECT count(*) FROM sqlite_master;";
            if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) != 0) return false;
        }
        await ExecuteAsync(connection, script, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The embedded script, or null when the migrations assembly carries none.</summary>
    public static string? ReadScript()
    {
        using var stream = MigrationsAssembly().GetManifestResourceStream(ScriptResource);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The id of the migration a script ends at, from its first line.</summary>
    public static string? LastMigrationOf(string script)
    {
        var firstLine = script.AsSpan()[..Math.Max(0, script.IndexOf('\n', StringComparison.Ordinal))].TrimEnd('\r');
        return firstLine.StartsWith(LastMigrationPrefix, StringComparison.Ordinal) ? firstLine[LastMigrationPrefix.Length..].ToString() : null;
    }

    /// <summary>The latest migration in the SQLite migrations assembly, read from its attributes (no EF model needed).</summary>
    public static string? LatestMigration() =>
        MigrationsAssembly().GetTypes()
            .Select(type => type.GetCustomAttribute<MigrationAttribute>()?.Id)
            .Where(id => id is not null)
            .Max(StringComparer.Ordinal);

    private static Assembly MigrationsAssembly() => Assembly.Load(ControlApiDbContext.MigrationsAssembly);

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
