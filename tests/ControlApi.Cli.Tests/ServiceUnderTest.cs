using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ControlApi.Cli.Tests;

/// <summary>
/// The real service on its own temporary data directory: SQLite, Hangfire, and the embedded GitOps
/// remote (a real bare repository it creates there). One cluster, "local", with no Kubernetes access.
/// </summary>
public sealed class ServiceUnderTest(Dictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("controlapi-cli-test-").FullName;
    public string AdminKey { get; } = "cli-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ControlApi:DataDirectory", DataDirectory);
        builder.UseSetting("CONTROLAPI_ADMIN_KEY", AdminKey);
        builder.UseSetting("ControlApi:Security:RateLimits:PerKey", "1000000");
        builder.UseSetting("ControlApi:Security:RateLimits:PerAddress", "1000000");
        foreach (var (key, value) in settings ?? []) builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file a background thread still holds; the OS temp cleaner takes it.
        }
    }
}

/// <summary>What one run of the CLI printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error);

/// <summary>Runs the CLI's entry point in-process against a service, as a person at a terminal or a script would.</summary>
public static class Cli
{
    public static async Task<CliRun> RunAsync(ServiceUnderTest? service, IReadOnlyDictionary<string, string?> environment, bool redirected, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var handler = service?.Server.CreateHandler();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var code = await CliApp.RunAsync(args, new CliConsole(output, error, redirected), handler,
            name => environment.TryGetValue(name, out var value) ? value : null, timeout.Token);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The environment of a script with the admin key; HOME is absent so no config file is read.</summary>
    public static Dictionary<string, string?> WithKey(ServiceUnderTest service) => new()
    {
        [CliSettings.UrlVariable] = "http://localhost",
        [CliSettings.KeyVariable] = service.AdminKey,
    };
}
