using ControlApi.Persistence;
using Microsoft.Data.Sqlite;

namespace ControlApi.Tests.Persistence;

/// <summary>The number reads are labelled with: it moves with every commit, by whoever, and only then.</summary>
public sealed class DatabaseVersionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("controlapi-version-").FullName;
    private string File => Path.Combine(_directory, "controlapi.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Every_call_after_a_commit_by_another_connection_differs_from_every_call_before_it_and_calls_without_one_agree()
    {
        Execute("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);");
        using var version = new DatabaseVersion(File);
        // Each observer connection's first answer counts as a change; ask each of them once.
        for (var i = 0; i < 32; i++) version.Current();

        var before = Enumerable.Range(0, 32).Select(_ => version.Current()).ToList();
        Assert.Single(before.Distinct());
        Assert.NotNull(before[0]);

        Execute("INSERT INTO t VALUES (1);");

        var after = Enumerable.Range(0, 32).Select(_ => version.Current()).ToList();
        Assert.DoesNotContain(before[0], after);
    }

    [Fact]
    public void A_database_that_cannot_be_told_has_no_version()
    {
        using var version = new DatabaseVersion(sqliteFile: null);
        Assert.False(version.IsTracked);
        Assert.Null(version.Current());
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={File}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
