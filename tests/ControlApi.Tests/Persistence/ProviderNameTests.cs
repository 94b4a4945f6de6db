using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Tests.Persistence;

/// <summary>
/// The model tells the engines apart by the provider's name (calling Npgsql's <c>IsNpgsql()</c> would
/// load the PostgreSQL provider into every SQLite start); the name must be the one Npgsql reports.
/// </summary>
public sealed class ProviderNameTests
{
    [Fact]
    public void The_PostgreSQL_provider_name_the_model_compares_is_the_one_Npgsql_reports()
    {
        using var db = new ControlApiDbContext(ControlApiDbContext.PostgreSqlOptions("Host=127.0.0.1;Database=unused").Options);
        Assert.True(db.Database.IsNpgsql());
        Assert.Equal(ControlApiDbContext.PostgreSqlProviderName, db.Database.ProviderName);
    }

    [Fact]
    public void A_SQLite_context_is_not_taken_for_PostgreSQL()
    {
        using var db = new ControlApiDbContext(ControlApiDbContext.SqliteOptions("Data Source=:memory:").Options);
        Assert.NotEqual(ControlApiDbContext.PostgreSqlProviderName, db.Database.ProviderName);
    }
}
