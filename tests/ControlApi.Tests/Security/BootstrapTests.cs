using System.Net;
using System.Text.RegularExpressions;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Security.SecurityTestKit;

namespace ControlApi.Tests.Security;

public sealed class BootstrapTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_environment_admin_key_is_an_admin_key_named_bootstrap_admin_and_nothing_is_created_or_printed()
    {
        var console = new StringWriter();
        using var service = new ControlApiFactory(new() { [SecurityOptions.AdminKeyVariable] = "env-admin-key-0123456789abcdef" },
            services: s => s.AddSingleton(new AdminKeyConsole(console)));
        using var admin = service.CreateClient("env-admin-key-0123456789abcdef");

        var created = await admin.PostAsync("/api/v1/apikeys", HttpJson.Json("""{"name":"ops","role":"viewer"}"""));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(BootstrapAdminKey.KeyName, (await service.AuditEventsAsync(AuditKinds.ApiKeyCreated)).Single().Actor);
        Assert.False(File.Exists(Path.Combine(service.DataDirectory, AdminKeyBootstrapper.KeyFileName)));
        Assert.Equal("", console.ToString());
        using var almost = service.CreateClient("env-admin-key-0123456789abcdeF");
        Assert.Equal(HttpStatusCode.Unauthorized, (await almost.GetAsync("/api/v1/apikeys")).StatusCode);
    }

    [Fact]
    public void A_short_environment_admin_key_stops_the_start_without_showing_it()
    {
        using var service = new ControlApiFactory(new() { [SecurityOptions.AdminKeyVariable] = "hunter2" });

        var failure = Assert.ThrowsAny<Exception>(() => service.CreateClient());

        Assert.Contains(SecurityOptions.AdminKeyVariable, failure.ToString());
        Assert.DoesNotContain("hunter2", failure.ToString());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_first_start_without_keys_creates_an_admin_key_shows_it_once_and_keeps_it_in_a_0600_file()
    {
        var data = _temp.Combine("data");
        Directory.CreateDirectory(data);
        var firstConsole = new StringWriter();
        string key;
        using (var first = FirstStart(data, firstConsole))
        {
            using var started = first.CreateClient();
            var keyFile = Path.Combine(data, AdminKeyBootstrapper.KeyFileName);

            Assert.True(File.Exists(keyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            key = (await File.ReadAllTextAsync(keyFile)).Trim();
            Assert.Matches(@"\Acak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\z", key);
            Assert.Single(Regex.Matches(firstConsole.ToString(), Regex.Escape(key)));

            using var admin = first.CreateClient(key);
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/apikeys", HttpJson.Json("""{"name":"alice","role":"operator"}"""))).StatusCode);
            var keys = (await (await admin.GetAsync("/api/v1/apikeys")).ReadJsonAsync()).AsArray();
            Assert.Equal(["admin", "alice"], keys.Select(k => (string)k!["name"]!));
            Assert.Equal("admin", (string)keys[0]!["role"]!);
        }

        var secondConsole = new StringWriter();
        using var restarted = FirstStart(data, secondConsole);
        using var again = restarted.CreateClient(key);

        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/v1/apikeys")).StatusCode);
        Assert.Equal("", secondConsole.ToString());
        Assert.Equal(key, (await File.ReadAllTextAsync(Path.Combine(data, AdminKeyBootstrapper.KeyFileName))).Trim());
    }

    private static ControlApiFactory FirstStart(string data, StringWriter console) =>
        new(new() { [SecurityOptions.AdminKeyVariable] = "" }, data, s => s.AddSingleton(new AdminKeyConsole(console)));
}
