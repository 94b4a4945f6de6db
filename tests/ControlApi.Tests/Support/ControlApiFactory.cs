using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ControlApi.Tests.Support;

/// <summary>
/// The real service through the real pipeline, on its own temporary data directory (SQLite file,
/// working copies). Extra configuration lets a test add clusters or change limits.
/// </summary>
public sealed class ControlApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ControlApiFactory(Dictionary<string, string?>? settings = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("controlapi-test-").FullName;
        _settings = new Dictionary<string, string?>(settings ?? [])
        {
            ["ControlApi:DataDirectory"] = DataDirectory,
        };
    }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Testing");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a background thread; the OS temp cleaner takes it.
            }
        }
    }
}
