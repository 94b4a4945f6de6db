using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Audit;

/// <summary>A clock a test sets by hand, so seeded events carry known times.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// Appends audit events to a running service's database the way the service does — through
/// <see cref="AuditLog"/>, in one write turn — but at chosen times.
/// </summary>
public static class AuditSeed
{
    public static async Task<List<AuditEvent>> AppendAsync(ControlApiFactory service, IEnumerable<(DateTimeOffset Time, AuditEntry Entry)> entries)
    {
        await using var scope = service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var turns = scope.ServiceProvider.GetRequiredService<WriteTurns>();
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var log = new AuditLog(clock, []);
        var appended = new List<AuditEvent>();
        await using (var turn = await turns.BeginAsync(db, WriteScope.Global, CancellationToken.None))
        {
            foreach (var (time, entry) in entries)
            {
                clock.Now = time;
                appended.Add(await log.AppendAsync(db, entry, CancellationToken.None));
            }
            await turn.CommitAsync(CancellationToken.None);
        }
        return appended;
    }

    public static AuditEntry Entry(string kind, string? cluster = "alpha", int? revision = 1, string actor = "alice", string summary = "something happened") =>
        new(kind, cluster, revision, actor, AuditSources.Api, summary, new { note = summary, n = revision });
}
