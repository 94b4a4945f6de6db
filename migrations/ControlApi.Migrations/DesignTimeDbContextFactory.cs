using Microsoft.EntityFrameworkCore.Design;

using ControlApi.Data;

namespace ControlApi.Migrations;

/// <summary>Lets `dotnet ef` build the model without starting the web host.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ControlApiDbContext>
{
    public ControlApiDbContext CreateDbContext(string[] args) =>
        new(ControlApiDbContext.SqliteOptions("Data Source=design-time.db").Options);
}
