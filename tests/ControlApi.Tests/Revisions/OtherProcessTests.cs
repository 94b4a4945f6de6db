using System.Net;
using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Revisions;
using ControlApi.Security;
using ControlApi.Tests.Events;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Revisions;

/// <summary>
/// Waits and event streams also see what another process (a second replica, a restarted one)
/// writes to the same database: no in-process signal reaches them, only their timer re-read.
/// </summary>
public sealed class OtherProcessTests : IDisposable
{
    private readonly ControlApiFactory _service = new(new()
    {
        ["ControlApi:Waiting:RecheckInterval"] = "00:00:00.200",
        ["ControlApi:Events:RecheckInterval"] = "00:00:00.200",
        ["ControlApi:Events:HeartbeatInterval"] = "00:10:00",
    });

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task A_wait_sees_a_state_written_by_another_process()
    {
        var client = _service.CreateClient(Role.Operator);
        await client.PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""));
        await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s");
        var waiting = client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Applied&timeout=5m");

        await using (var other = OtherProcess())
        {
            var revision = await other.Revisions.Include(r => r.Timeline).SingleAsync(r => r.ClusterId == "local" && r.Number == 1);
            RevisionLifecycle.MoveTo(revision, RevisionState.Applied, DateTimeOffset.UtcNow, "applied, as another replica saw it");
            await other.SaveChangesAsync();
        }

        var response = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.ReadJsonAsync();
        Assert.Equal("Applied", (string?)answer["state"]);
        Assert.Equal("reached", (string?)answer["wait"]!["outcome"]);
    }

    [Fact]
    public async Task An_event_stream_sees_an_event_appended_by_another_process()
    {
        var viewer = _service.CreateClient(Role.Viewer);
        var response = await viewer.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/events"), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = new SseClient(response);
        Assert.Equal("keep-alive", (await stream.NextAsync())?.Comment);

        await using (var other = OtherProcess())
        {
            await using var transaction = await other.Database.BeginTransactionAsync();
            await new AuditLog(TimeProvider.System, []).AppendAsync(other,
                new AuditEntry(AuditKinds.DriftDetected, "local", null, AuditSources.System, AuditSources.System, "local: 1 key drifted"), CancellationToken.None);
            await transaction.CommitAsync();
        }

        var seen = (await stream.EventsAsync(1, TimeSpan.FromSeconds(30)))[0];
        Assert.Equal(AuditKinds.DriftDetected, seen.Event);
        Assert.Equal("local: 1 key drifted", (string?)seen.Json["summary"]);
    }

    [Fact]
    public async Task A_read_of_the_desired_settings_sees_a_state_and_a_revision_written_by_another_process_at_once()
    {
        var client = _service.CreateClient(Role.Operator);
        await client.PutAsync("/api/v1/clusters/local/features/l7-proxy", HttpJson.Json("""{"enabled": false}"""));
        await client.GetAsync("/api/v1/clusters/local/revisions/1?waitFor=Committed&timeout=30s");
        // Read twice, so that the second answer already came from what the service keeps in memory.
        await client.GetAsync("/api/v1/clusters/local/cilium");
        Assert.Equal("Committed", (string?)(await (await client.GetAsync("/api/v1/clusters/local/cilium")).ReadJsonAsync())["state"]);

        await using (var other = OtherProcess())
        {
            var revision = await other.Revisions.Include(r => r.Timeline).SingleAsync(r => r.ClusterId == "local" && r.Number == 1);
            RevisionLifecycle.MoveTo(revision, RevisionState.Applied, DateTimeOffset.UtcNow, "applied, as another replica saw it");
            await other.SaveChangesAsync();
        }
        var moved = await client.GetAsync("/api/v1/clusters/local/cilium");
        Assert.Equal("Applied", (string?)(await moved.ReadJsonAsync())["state"]);
        Assert.Equal("\"1\"", moved.Headers.ETag?.Tag);

        await using (var other = OtherProcess())
        {
            var first = await other.Revisions.AsNoTracking().SingleAsync(r => r.ClusterId == "local" && r.Number == 1);
            other.Revisions.Add(new Data.Entities.Revision
            {
                ClusterId = "local",
                Number = 2,
                SettingsJson = first.SettingsJson,
                Author = "another-replica",
                Source = AuditSources.Api,
                CreatedAt = DateTimeOffset.UtcNow,
                State = nameof(RevisionState.Accepted),
                StateChangedAt = DateTimeOffset.UtcNow,
            });
            await other.SaveChangesAsync();
        }
        var added = await client.GetAsync("/api/v1/clusters/local/cilium");
        Assert.Equal("\"2\"", added.Headers.ETag?.Tag);
        Assert.Equal(2, (int?)(await added.ReadJsonAsync())["revision"]);
    }

    [Fact]
    public async Task A_key_revoked_by_another_process_stops_working_at_once()
    {
        var key = await _service.CreateKeyAsync("shared-laptop", Role.Viewer);
        using var client = _service.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clusters/local/cilium")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clusters/local/cilium")).StatusCode);

        await using (var other = OtherProcess())
        {
            var stored = await other.ApiKeys.SingleAsync(k => k.Name == "shared-laptop");
            stored.RevokedAt = DateTimeOffset.UtcNow;
            stored.RevokedBy = "another-replica";
            await other.SaveChangesAsync();
        }

        var refused = await client.GetAsync("/api/v1/clusters/local/cilium");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("urn:controlapi:problem:revoked-key", (string?)(await refused.ReadJsonAsync())["type"]);
    }

    /// <summary>A context on the same SQLite file built without the service's interceptors, as another process would have.</summary>
    private ControlApiDbContext OtherProcess()
    {
        var database = _service.Services.GetRequiredService<DataPaths>().Database;
        return new ControlApiDbContext(new DbContextOptionsBuilder<ControlApiDbContext>().UseSqlite($"Data Source={database}").Options);
    }
}
