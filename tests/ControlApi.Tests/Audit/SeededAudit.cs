using ControlApi.Audit;
using ControlApi.Data.Entities;
using ControlApi.Data;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ControlApi.Security;

namespace ControlApi.Tests.Audit;

/// <summary>
/// One service with 150 audit events seeded once and then only read: three clusters (and some
/// cluster-less events), five kinds in two families, three actors, four revisions, and pairs of
/// events sharing a timestamp so since/until boundaries are exercised.
/// </summary>
public sealed class SeededAudit : IAsyncLifetime
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);
    public static readonly string[] Clusters = ["alpha", "beta", "gamma"];
    public static readonly string[] Kinds = ["change.accepted", "git.committed", "flux.applied", "flux.failed", "flux.reconcile_requested"];
    public static readonly string[] Actors = ["alice", "bob", "system"];

    public ControlApiFactory Service { get; } = new();
    public HttpClient Client { get; private set; } = null!;

    /// <summary>The 150 events seeded, in order.</summary>
    public IReadOnlyList<AuditEvent> Seeded { get; private set; } = [];

    /// <summary>Every event in the history: the seeded ones and what the service wrote itself (the reader's key).</summary>
    public IReadOnlyList<AuditEvent> All { get; private set; } = [];

    /// <summary>Event i happens at minute i rounded down to even: events 2k and 2k+1 share a time.</summary>
    public static DateTimeOffset TimeOf(int i) => T0.AddMinutes(i - i % 2);

    public async Task InitializeAsync()
    {
        Seeded = await AuditSeed.AppendAsync(Service, Enumerable.Range(0, 150).Select(i => (TimeOf(i), new AuditEntry(
            Kinds[i % 5],
            i % 17 == 0 ? null : Clusters[i % 3],
            i % 17 == 0 ? null : 1 + i / 10 % 4,
            Actors[i / 3 % 3],
            AuditSources.Api,
            $"event {i}",
            new { i }))));
        // Making the reader's key writes its own apikey.created event, after the seeded ones.
        Client = Service.CreateClient(Role.Viewer);
        await using var scope = Service.Services.CreateAsyncScope();
        All = await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    public Task DisposeAsync()
    {
        Service.Dispose();
        return Task.CompletedTask;
    }
}
