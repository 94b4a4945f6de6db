using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ControlApi.Health;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Hosting;

/// <summary>
/// The server listens before the first admin key is made (it overlaps the server's start); ready
/// must still mean the service can take a change: migrated, and the admin key there.
/// </summary>
public sealed class StartupReadinessTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("controlapi-ready-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Readyz_answers_503_naming_start_up_work_still_running_and_200_once_it_is_done()
    {
        using var factory = new ControlApiFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var work = new TaskCompletionSource();
        factory.Services.GetRequiredService<StartupWork>().Add("loading something", work.Task);

        var pending = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, pending.StatusCode);
        var status = await pending.Content.ReadFromJsonAsync<HealthStatus>();
        Assert.Equal("unavailable", status!.Status);
        Assert.Equal("Still starting: loading something. Try again in a moment.", status.Detail);
        work.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public void The_first_admin_key_is_start_up_work_readyz_waits_for()
    {
        using var factory = new ControlApiFactory(dataDirectory: _data);
        _ = factory.CreateClient();

        Assert.Contains(AdminKeyBootstrapper.StartupWorkName, factory.Services.GetRequiredService<StartupWork>().All);
        Assert.Null(factory.Services.GetRequiredService<StartupWork>().Pending);
    }

    [Fact]
    public async Task A_first_start_as_its_own_process_is_ready_only_with_the_admin_key_usable()
    {
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["URLS"] = $"http://127.0.0.1:{port}",
                ["ControlApi__DataDirectory"] = _data,
            },
        };
        start.Environment.Remove("CONTROLAPI_ADMIN_KEY");
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(process.HasExited, "The service exited before it was ready.");
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "The service was not ready within a minute.");
                try
                {
                    if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                // Polled tightly: the first 200 is what is checked.
                await Task.Delay(5);
            }

            // At the first 200: the key is saved and takes a change-path request.
            var key = (await File.ReadAllTextAsync(Path.Combine(_data, AdminKeyBootstrapper.KeyFileName))).Trim();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/apikeys");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

}
