using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.Tests.Support;

/// <summary>
/// The real service through the real pipeline, on its own temporary data directory (SQLite file,
/// working copies). Extra configuration lets a test add clusters or change limits.
/// Keys: the factory starts the service with a random <c>CONTROLAPI_ADMIN_KEY</c> (<see cref="AdminKey"/>)
/// unless the settings give one (an empty value means none, i.e. a real first start);
/// <see cref="CreateClient(Role)"/> hands out clients that send a key of that role.
/// </summary>
public sealed class ControlApiFactory : WebApplicationFactory<Program>
{
    /// <summary>Sets the connection's remote address in tests (TestServer has none), e.g. to show limits are per address.</summary>
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly CapturingLoggerProvider? _logs;
    private readonly bool _ownsDataDirectory;
    private readonly Dictionary<Role, string> _keys = [];
    private readonly string _keySuffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <param name="settings">Configuration keys to add or override.</param>
    /// <param name="dataDirectory">An existing data directory to reuse ("restart"); a new one otherwise.</param>
    /// <param name="services">Service overrides, e.g. a hook after the git push (<see cref="AfterPush"/>).</param>
    /// <param name="logs">Receives every log line of the service, at every level.</param>
    public ControlApiFactory(Dictionary<string, string?>? settings = null, string? dataDirectory = null, Action<IServiceCollection>? services = null,
        CapturingLoggerProvider? logs = null)
    {
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("controlapi-test-").FullName;
        _services = services;
        _logs = logs;
        _settings = new Dictionary<string, string?>
        {
            ["ControlApi:DataDirectory"] = DataDirectory,
            // Fast retries and sweeps so recovery is observable in seconds.
            ["ControlApi:Commits:RetryBaseDelay"] = "00:00:00.200",
            ["ControlApi:Commits:MaxRetryDelay"] = "00:00:01",
            ["ControlApi:Commits:SweepInterval"] = "00:00:02",
            [SecurityOptions.AdminKeyVariable] = "test-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            // Tests poll quickly; the limits themselves are tested with small values on purpose.
            ["ControlApi:Security:RateLimits:PerKey"] = "1000000",
            ["ControlApi:Security:RateLimits:PerAddress"] = "1000000",
            // Many hosts share this process: one host giving back library pages would make every other
            // read its code back. StartupTrimTests exercise it on purpose.
            [ControlApi.Hosting.StartupTrim.ReleaseStartupPagesKey] = "false",
        };
        // The PostgreSQL test assembly: the data directory's own database, unless the test names a database itself.
        if (TestDatabaseAttribute.UsePostgreSql && settings?.ContainsKey(DatabaseProviderKey) != true)
        {
            _settings[DatabaseProviderKey] = "PostgreSql";
            _settings[DatabaseConnectionKey] = PostgreSqlServer.Shared.ConnectionString(PostgreSqlServer.Shared.DatabaseFor(DataDirectory));
        }
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
        AdminKey = string.IsNullOrEmpty(_settings[SecurityOptions.AdminKeyVariable]) ? null : _settings[SecurityOptions.AdminKeyVariable];
    }

    public const string DatabaseProviderKey = "ControlApi:Database:Provider";
    public const string DatabaseConnectionKey = "ControlApi:Database:ConnectionString";

    public string DataDirectory { get; }

    /// <summary>True when this service runs on PostgreSQL (the PostgreSQL test assembly, or a test that asked for it).</summary>
    public bool OnPostgreSql => _settings.GetValueOrDefault(DatabaseProviderKey) == "PostgreSql";

    /// <summary>The <c>CONTROLAPI_ADMIN_KEY</c> this service was started with, if any.</summary>
    public string? AdminKey { get; }

    /// <summary>A client that sends a key of <paramref name="role"/> (admin: <see cref="AdminKey"/>; others made on first use).</summary>
    public HttpClient CreateClient(Role role) => CreateClient(KeyFor(role));

    /// <summary>A client that sends <c>Authorization: Bearer <paramref name="key"/></c>.</summary>
    public HttpClient CreateClient(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The name of the key <see cref="CreateClient(Role)"/> uses: a revision's author.</summary>
    public string KeyNameFor(Role role) => role == Role.Admin ? BootstrapAdminKey.KeyName : $"test-{role.Name()}-{_keySuffix}";

    public string KeyFor(Role role)
    {
        lock (_keys)
        {
            if (_keys.TryGetValue(role, out var known)) return known;
            var key = role == Role.Admin
                ? AdminKey ?? throw new InvalidOperationException("This service was started without CONTROLAPI_ADMIN_KEY.")
                // Constructors of test classes are synchronous; the store does not depend on a synchronization context.
                : CreateKeyAsync(KeyNameFor(role), role).GetAwaiter().GetResult();
            _keys[role] = key;
            return key;
        }
    }

    /// <summary>Makes a key through the service's own store (as POST /api/v1/apikeys does) and returns its text.</summary>
    public async Task<string> CreateKeyAsync(string name, Role role)
    {
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<ApiKeyStore>().CreateAsync(name, role, "tests", "system", CancellationToken.None);
        return created is KeyCreation.Created { Text: var text } ? text : throw new InvalidOperationException($"Key '{name}' not created: {created}");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Testing");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
        if (_logs is not null)
        {
            builder.ConfigureLogging(logging =>
            {
                logging.AddProvider(_logs);
                logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
            });
        }
        if (_services is not null) builder.ConfigureServices(_services);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDataDirectory)
        {
            if (TestDatabaseAttribute.UsePostgreSql) PostgreSqlServer.Shared.DropDatabaseOf(DataDirectory);
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

    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteAddressHeader, out var value) && IPAddress.TryParse(value.ToString(), out var address))
                    context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
