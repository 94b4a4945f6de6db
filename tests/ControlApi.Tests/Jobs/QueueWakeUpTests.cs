using System.Net;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Jobs;

/// <summary>
/// SQLite: idle Hangfire workers sleep until a job is enqueued in this process, not until their next
/// poll. With the fallback poll an hour away, a change that waited on the poll would sit Accepted.
/// </summary>
public sealed class QueueWakeUpTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task With_the_fallback_poll_an_hour_away_each_change_is_still_committed_promptly()
    {
        var remote = _temp.Combine("fleet.git");
        using var service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = remote,
            ["ControlApi:Jobs:QueuePollInterval"] = "01:00:00",
        });
        var client = service.CreateClient(Role.Operator);
        var git = new PlainGit(_temp.Combine("home"));

        // Two changes one after the other: between them the worker has gone back to its hour's sleep.
        foreach (var (number, body) in new[] { (1, """{"hostFirewall":{"enabled":true}}"""), (2, """{"hostFirewall":{"enabled":false}}""") })
        {
            var put = await client.PutAsync(Settings, Json(body));
            Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);

            var revision = await Eventually.WaitAsync(
                async () => await (await client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync(),
                r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(45), $"revision {number} to be committed");

            Assert.Equal((string)revision!["commitSha"]!, (await git.RunAsync(remote, "rev-parse", "main")).Trim());
        }
    }
}
