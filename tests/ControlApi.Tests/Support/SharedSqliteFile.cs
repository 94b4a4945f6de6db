using ControlApi.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Support;

/// <summary>
/// A real, migrated SQLite file that several components open as if they ran in different replicas
/// (each has its own contexts and connections; only the file is shared). Two hosts cannot share a
/// SQLite data directory by design, so this is how shared-state components are tested on SQLite.
/// </summary>
public sealed class SharedSqliteFile : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("controlapi-shared-").FullName;
    private readonly ServiceProvider _provider;

    public SharedSqliteFile()
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(_directory, "controlapi.db"),
            DefaultTimeout = 30,
            Pooling = false,
        }.ToString();
        _provider = new ServiceCollection()
            .AddDbContext<ControlApiDbContext>(options => options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(ControlApiDbContext.MigrationsAssembly)))
            .BuildServiceProvider();
        using var scope = _provider.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        db.Database.OpenConnection();
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        db.Database.Migrate();
    }

    /// <summary>Each scope opens its own context and connection, as a replica's would.</summary>
    public IServiceScopeFactory Scopes => _provider.GetRequiredService<IServiceScopeFactory>();

    public async Task<T> QueryAsync<T>(Func<ControlApiDbContext, Task<T>> query)
    {
        await using var scope = Scopes.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ControlApiDbContext>());
    }

    public void Dispose()
    {
        _provider.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
