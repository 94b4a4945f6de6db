using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Support;

/// <summary>
/// The real service through the real pipeline, on its own temporary data directory (SQLite file,
/// working copies). Extra configuration lets a test add clusters or change limits.
/// </summary>
public sealed class ControlApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsDataDirectory;

    /// <param name="settings">Configuration keys to add or override.</param>
    /// <param name="dataDirectory">An existing data directory to reuse ("restart"); a new one otherwise.</param>
    /// <param name="services">Service overrides, e.g. a fault point.</param>
    public ControlApiFactory(Dictionary<string, string?>? settings = null, string? dataDirectory = null, Action<IServiceCollection>? services = null)
    {
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("controlapi-test-").FullName;
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["ControlApi:DataDirectory"] = DataDirectory,
            // Fast retries and sweeps so recovery is observable in seconds.
            ["ControlApi:Commits:RetryBaseDelay"] = "00:00:00.200",
            ["ControlApi:Commits:MaxRetryDelay"] = "00:00:01",
            ["ControlApi:Commits:SweepInterval"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
    }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Testing");
        if (_services is not null) builder.ConfigureServices(_services);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDataDirectory)
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
