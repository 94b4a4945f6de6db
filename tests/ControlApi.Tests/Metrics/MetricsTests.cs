using System.Net;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Metrics;
using ControlApi.Revisions;
using ControlApi.Tests.Support;
using ControlApi.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Metrics;

/// <summary>GET /metrics in the Prometheus text format, with the series operators chart.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly ControlApiFactory _service = new();
    private readonly HttpClient _client;

    public MetricsTests() => _client = _service.CreateClient(Role.Operator);

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task After_a_change_the_scrape_has_request_revision_commit_and_queue_series()
    {
        var put = await _client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled":true}"""));
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        await Eventually.WaitAsync(async () => (string?)(await (await _client.GetAsync("/api/v1/clusters/local/revisions/1")).ReadJsonAsync())["state"],
            state => state == "Committed", TimeSpan.FromSeconds(45), "the commit");

        var text = await ScrapeUntilAsync("controlapi_commit_duration_seconds_bucket");

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
        Assert.Matches("""http_server_request_duration_seconds_count\{[^}]*http_route="/api/v1/clusters/\{cluster\}/features/\{feature\}"[^}]*\} [1-9]""", text);
        Assert.Contains("# TYPE controlapi_revisions gauge", text);
        Assert.Matches("""controlapi_revisions\{[^}]*cluster="local"[^}]*state="Committed"[^}]*\} 1""", text);
        Assert.Matches("""controlapi_revisions\{[^}]*cluster="local"[^}]*state="Verified"[^}]*\} 0""", text);
        Assert.Contains("# TYPE controlapi_commit_duration_seconds histogram", text);
        Assert.Matches("""controlapi_commit_duration_seconds_count\{[^}]*cluster="local"[^}]*outcome="committed"[^}]*\} [1-9]""", text);
        Assert.Contains("# TYPE controlapi_jobs_queued gauge", text);
        Assert.Matches("""controlapi_jobs_queued\{[^}]*queue="default"[^}]*state="enqueued"[^}]*\} \d+""", text);
        Assert.Matches("""controlapi_jobs_queued\{[^}]*queue="notifications"[^}]*\} \d+""", text);
    }

    [Fact]
    public async Task A_revision_saved_as_Verified_records_its_time_to_verified()
    {
        await _client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled":true}"""));
        await using (var scope = _service.Services.CreateAsyncScope())
        {
            // What the track job will do when a revision is verified live.
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            var revision = await db.Revisions.Include(r => r.Timeline).SingleAsync(r => r.ClusterId == "local" && r.Number == 1);
            RevisionLifecycle.MoveTo(revision, RevisionState.Verified, revision.CreatedAt.AddSeconds(42), "verified in test");
            await db.SaveChangesAsync();
        }

        var text = await ScrapeUntilAsync("controlapi_revision_time_to_verified_seconds_count");

        Assert.Contains("# TYPE controlapi_revision_time_to_verified_seconds histogram", text);
        Assert.Matches("""controlapi_revision_time_to_verified_seconds_bucket\{[^}]*cluster="local"[^}]*le="60"[^}]*\} [1-9]""", text);
    }

    [Fact]
    public async Task Poll_duration_and_drift_are_exposed_once_recorded()
    {
        // The poll job arrives with a later issue; it records through these two calls.
        var metrics = _service.Services.GetRequiredService<ControlApiMetrics>();
        metrics.RecordPoll("local", MetricOutcomes.Reached, TimeSpan.FromMilliseconds(320));
        metrics.RecordDrift("local", 2);

        var text = await ScrapeUntilAsync("controlapi_cluster_drift");

        Assert.Matches("""controlapi_poll_duration_seconds_count\{[^}]*cluster="local"[^}]*outcome="reached"[^}]*\} [1-9]""", text);
        Assert.Matches("""controlapi_cluster_drift\{[^}]*cluster="local"[^}]*\} 2""", text);
    }

    [Fact]
    public async Task One_service_does_not_see_the_measurements_of_another_in_the_same_process()
    {
        using var other = new ControlApiFactory();
        using var otherScraper = other.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await otherScraper.GetAsync("/metrics")).StatusCode);

        var metrics = _service.Services.GetRequiredService<ControlApiMetrics>();
        metrics.RecordDrift("only-in-the-first-service", 5);
        // Histograms too: parallel services verifying revisions of "local" must not add up.
        metrics.RecordTimeToVerified("verified-in-the-first-service", TimeSpan.FromSeconds(3));
        await ScrapeUntilAsync("only-in-the-first-service");
        await ScrapeUntilAsync("verified-in-the-first-service");

        // A scrape of the other service taken after both recordings (its cache would otherwise
        // answer with a scrape from before them): one that shows its own newer measurement.
        other.Services.GetRequiredService<ControlApiMetrics>().RecordTimeToVerified("verified-in-the-other-service", TimeSpan.FromSeconds(1));
        var seenByOther = await Eventually.WaitAsync(() => otherScraper.GetStringAsync("/metrics")!,
            text => text is not null && text.Contains("verified-in-the-other-service", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the other service's own series");
        Assert.DoesNotContain("only-in-the-first-service", seenByOther);
        Assert.DoesNotContain("verified-in-the-first-service", seenByOther);
    }

    private Task<string> ScrapeUntilAsync(string series) =>
        // The exporter caches a scrape briefly; wait for one taken after the event.
        Eventually.WaitAsync(async () =>
        {
            // Scrapers carry no key.
            using var scraper = _service.CreateClient();
            var response = await scraper.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
            return await response.Content.ReadAsStringAsync();
        }, text => text is not null && text.Contains(series, StringComparison.Ordinal), TimeSpan.FromSeconds(20), series)!;
}
