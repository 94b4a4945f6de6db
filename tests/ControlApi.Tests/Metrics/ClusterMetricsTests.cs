using System.Text.RegularExpressions;
using ControlApi.Audit;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking;
using ControlApi.Tests.Tracking.Support;

namespace ControlApi.Tests.Metrics;

/// <summary>The cluster-side series, recorded by the real track and poll jobs against the test API server.</summary>
public sealed class ClusterMetricsTests
{
    [Fact]
    public async Task A_verified_revision_and_polls_show_time_to_verified_poll_duration_and_drift()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:PollInterval"] = "00:00:01" });
        using var scraper = cluster.Service.CreateClient();
        await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption);
        await cluster.WaitForStateAsync(1, "Verified");

        cluster.Simulator.EditCiliumConfig("enable-host-firewall", "false");
        await cluster.WaitForAuditAsync(AuditKinds.DriftDetected);

        var text = await Eventually.WaitAsync(() => scraper.GetStringAsync("/metrics")!,
            t => t is not null && Regex.IsMatch(t, """controlapi_cluster_drift\{[^}]*cluster="local"[^}]*\} 1\b"""), TimeSpan.FromSeconds(30), "drift of one key");
        Assert.Matches("""controlapi_revision_time_to_verified_seconds_count\{[^}]*cluster="local"[^}]*\} 1\b""", text);
        Assert.Matches("""controlapi_poll_duration_seconds_count\{[^}]*cluster="local"[^}]*outcome="reached"[^}]*\} [1-9]""", text);
        Assert.Matches("""controlapi_revisions\{[^}]*cluster="local"[^}]*state="Verified"[^}]*\} 1\b""", text);
    }
}
