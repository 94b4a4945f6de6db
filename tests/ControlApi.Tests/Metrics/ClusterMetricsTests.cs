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

        string[] expected =
        [
            """controlapi_cluster_drift\{[^}]*cluster="local"[^}]*\} 1\b""",
            """controlapi_revision_time_to_verified_seconds_count\{[^}]*cluster="local"[^}]*\} 1\b""",
            """controlapi_poll_duration_seconds_count\{[^}]*cluster="local"[^}]*outcome="reached"[^}]*\} [1-9]""",
            """controlapi_revisions\{[^}]*cluster="local"[^}]*state="Verified"[^}]*\} 1\b""",
        ];
        // The exporter caches a scrape briefly: wait for one taken after the drift was seen. Should
        // the series never all show, the freshest scrape says which line is wrong.
        string text;
        try
        {
            text = await Eventually.WaitAsync(() => scraper.GetStringAsync("/metrics")!,
                t => t is not null && expected.All(p => Regex.IsMatch(t, p)), TimeSpan.FromSeconds(30), "the drift, time-to-verified, poll and revision series");
        }
        catch (TimeoutException)
        {
            text = await scraper.GetStringAsync("/metrics");
        }

        foreach (var pattern in expected) Series(text, pattern);
    }

    /// <summary>Asserts a series line, showing the lines of that metric when it is not there.</summary>
    private static void Series(string text, string pattern)
    {
        var name = pattern[..pattern.IndexOf('\\', StringComparison.Ordinal)];
        var lines = text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal));
        Assert.True(Regex.IsMatch(text, pattern), $"no line matches {pattern}; the {name} lines are:\n{string.Join('\n', lines)}");
    }
}
