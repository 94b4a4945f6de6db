using Microsoft.EntityFrameworkCore.Design;

using ControlApi.Data;

namespace ControlApi.Migrations.PostgreSql;

/// <summary>
/// Lets `dotnet ef` build the PostgreSQL model without starting the web host. Adding a migration
/// or checking for pending model changes does not connect, so the server named here need not exist.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ControlApiDbContext>
{
    public ControlApiDbContext CreateDbContext(string[] args) =>
        new(ControlApiDbContext.PostgreSqlOptions("Host=localhost;Database=controlapi_design_time").Options);
}
