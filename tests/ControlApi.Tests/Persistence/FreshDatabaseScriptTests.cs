using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlApi.Tests.Persistence;

/// <summary>
/// A first start on SQLite creates the schema from one script (<see cref="FreshSqliteDatabase"/>)
/// instead of EF Core's migrator: the database must be the one the migrator makes, and the script
/// must be what the migrator generates today.
/// </summary>
public sealed class FreshDatabaseScriptTests : IDisposable
{
    private const string BeforeOutcomes = "20261202162614_RollbacksAndPersons";
    private readonly string _directory = Directory.CreateTempSubdirectory("controlapi-fresh-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_script_is_what_the_migrator_generates_for_every_migration()
    {
        var generated = await GenerateAsync();
        if (FreshSqliteDatabase.ReadScript() == generated) return;

        // A migration was added (or EF Core updated) without the script: write it where the build
        // embeds it, so the next build carries it — and fail, so it is committed with the migration.
        await File.WriteAllTextAsync(RepositoryRoot.PathOf("migrations", "ControlApi.Migrations", "FreshDatabase.sql"), generated);
        Assert.Fail("migrations/ControlApi.Migrations/FreshDatabase.sql was out of date and has been regenerated; rebuild, run the tests again and commit it.");
    }

    [Fact]
    public async Task A_fresh_database_from_the_script_has_the_schema_history_and_rows_the_migrator_gives()
    {
        var migrated = ConnectionString("migrated.db");
        await MigrateAsync(migrated);
        var scripted = ConnectionString("scripted.db");

        Assert.True(await FreshSqliteDatabase.TryCreateAsync(scripted, CancellationToken.None));

        // Entry by entry, so a difference names its table or index.
        const string schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
        var expected = await DumpAsync(migrated, schema);
        var actual = await DumpAsync(scripted, schema);
        foreach (var (entry, i) in expected.Select((entry, i) => (entry, i))) Assert.Equal(entry, i < actual.Count ? actual[i] : null);
        Assert.Equal(expected.Count, actual.Count);
        var history = await DumpAsync(scripted, """SELECT "MigrationId", "ProductVersion" FROM "__EFMigrationsHistory" ORDER BY "MigrationId" """);
        Assert.Equal(await DumpAsync(migrated, """SELECT "MigrationId", "ProductVersion" FROM "__EFMigrationsHistory" ORDER BY "MigrationId" """), history);
        await using (var db = Context(scripted))
        {
            Assert.Equal(db.Database.GetMigrations(), history.Select(row => row.Split('|')[0]));
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
        Assert.Equal(await RowsAsync(migrated), await RowsAsync(scripted));
        Assert.Equal(["wal"], await DumpAsync(scripted, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_database_with_anything_in_it_is_left_to_the_migrator_untouched()
    {
        var partial = ConnectionString("partial.db");
        await using (var db = Context(partial)) await db.GetService<IMigrator>().MigrateAsync(BeforeOutcomes);
        var before = await DumpAsync(partial, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name");

        Assert.False(await FreshSqliteDatabase.TryCreateAsync(partial, CancellationToken.None));

        Assert.Equal(before, await DumpAsync(partial, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"));
        await using (var db = Context(partial)) Assert.NotEmpty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public void The_script_ends_at_the_latest_migration()
    {
        using var db = Context(ConnectionString("none.db"));
        Assert.Equal(db.Database.GetMigrations().Last(), FreshSqliteDatabase.LatestMigration());
        Assert.Equal(FreshSqliteDatabase.LatestMigration(), FreshSqliteDatabase.LastMigrationOf(FreshSqliteDatabase.ReadScript() ?? ""));
    }

    /// <summary>
    /// The script as it must be: the migrator's own SQL for every migration (no transactions: the
    /// fresh path runs it in one), after the migration lock table EF Core leaves in every database it migrates.
    /// </summary>
    private async Task<string> GenerateAsync()
    {
        var migrated = ConnectionString("reference.db");
        await MigrateAsync(migrated);
        var lockTable = Assert.Single(await DumpAsync(migrated, "SELECT sql FROM sqlite_master WHERE name = '__EFMigrationsLock'"));
        await using var db = Context(ConnectionString("script.db"));
        var migrations = db.Database.GetMigrations().ToList();
        var sql = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.NoTransactions);
        // As generated, line endings included: SQLite keeps each CREATE statement's text as written,
        // and EF Core writes some with \r\n (FreshDatabase.sql is -text in .gitattributes for that).
        return $"{FreshSqliteDatabase.LastMigrationPrefix}{migrations[^1]}\n"
            + $"-- Generated by FreshDatabaseScriptTests from the migrations ({migrations.Count}): do not edit by hand.\n"
            + $"{lockTable};\n\n"
            + sql;
    }

    private static async Task MigrateAsync(string connectionString)
    {
        await using var db = Context(connectionString);
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await db.Database.MigrateAsync();
    }

    private string ConnectionString(string file) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, file), Pooling = false }.ToString();

    private static ControlApiDbContext Context(string connectionString) => new(ControlApiDbContext.SqliteOptions(connectionString).Options);

    private static async Task<List<string>> DumpAsync(string connectionString, string query)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = query;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    /// <summary>Every row of every table, by table (seed data a migration inserts would show here).</summary>
    private static async Task<List<string>> RowsAsync(string connectionString)
    {
        var rows = new List<string>();
        foreach (var table in await DumpAsync(connectionString, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
            rows.AddRange((await DumpAsync(connectionString, $"SELECT * FROM \"{table}\" ORDER BY 1")).Select(row => $"{table}: {row}"));
        return rows;
    }
}
