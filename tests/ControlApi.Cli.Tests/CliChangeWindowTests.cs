using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ControlApi.Cli.Tests;

/// <summary>A change the CLI waits for, made outside the cluster's change window.</summary>
public sealed class CliChangeWindowTests : IDisposable
{
    private readonly ServiceUnderTest _service = new();

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task Waiting_on_a_change_outside_the_window_stops_at_once_with_exit_5_saying_when_it_goes()
    {
        // A window twelve hours from now on the real clock: surely closed while the test runs.
        var opensAt = (DateTime.UtcNow.Hour + 12) % 24;
        using var admin = _service.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _service.AdminKey);
        var policy = await admin.PutAsync("/api/v1/clusters/local/policy", new StringContent(
            $$"""{"windows": [{"kind": "allow", "schedule": "0 {{opensAt}} * * *", "duration": "01:00:00", "timeZone": "UTC"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);

        var run = await Cli.RunAsync(_service, Cli.WithKey(_service), redirected: true, "enable", "host-firewall", "--wait=Committed", "--timeout", "5m");

        Assert.True(run.ExitCode == ExitCodes.Scheduled, run.Out + run.Error);
        Assert.Contains("revision 1 is Scheduled", run.Out);
        Assert.Contains($"{opensAt:00}:00:00", run.Out);
    }
}
