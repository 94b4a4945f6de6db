using System.Net.Http.Headers;
using System.Security.Cryptography;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.Bench;

/// <summary>
/// One replica of the real service in this process (the whole pipeline through
/// <see cref="WebApplicationFactory{TEntryPoint}"/>): its own data directory, the cluster
/// <c>local</c> committing to <paramref name="remote"/>, on the given database, with an admin
/// client. Replicas given the same database and remote share them as deployed replicas do.
/// </summary>
internal sealed class BenchService(string dataDirectory, string remote, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    public const string Cluster = "local";

    // One key for every replica of a run, as one Secret gives them all.
    private static readonly string AdminKey = "bench-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private readonly WebApplicationFactory<Program> _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
    {
        host.UseSetting("ControlApi:DataDirectory", dataDirectory);
        host.UseSetting("ControlApi:Clusters:0:GitOps:Repository", remote);
        host.UseSetting("Logging:LogLevel:Default", "Warning");
        host.UseSetting(SecurityOptions.AdminKeyVariable, AdminKey);
        // Limits are not what is measured: a burst of writers from one key must not meet 429s.
        host.UseSetting("ControlApi:Security:RateLimits:PerKey", "1000000");
        host.UseSetting("ControlApi:Security:RateLimits:PerAddress", "1000000");
        foreach (var (key, value) in settings) host.UseSetting(key, value);
        // The service's log goes to stderr, the results to stdout. Its line per request would still
        // bury the log's warnings (a burst is hundreds): a small cost left out.
        host.UseSetting("Logging:Console:LogToStandardErrorThreshold", "Trace");
        host.ConfigureLogging(logging => logging.AddFilter("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", LogLevel.Warning));
    });

    /// <summary>Starts the service (on first use) and hands out a client that sends the admin key.</summary>
    public HttpClient CreateClient()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    /// <summary>
    /// When each revision numbered <paramref name="from"/>..<paramref name="to"/> was accepted and
    /// pushed, read from its timeline (stamped by the service's clock, so how often this looks adds
    /// nothing but load, kept low with a longer <paramref name="pollInterval"/> for many revisions);
    /// waits until all are pushed. Any replica can answer: they share the database.
    /// </summary>
    public async Task<IReadOnlyList<(DateTimeOffset Accepted, DateTimeOffset Pushed)>> WaitForCommitsAsync(int from, int to, TimeSpan timeout, TimeSpan pollInterval)
    {
        var deadline = DateTime.UtcNow + timeout;
        const string committed = nameof(RevisionState.Committed);
        while (true)
        {
            await using (var scope = _factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
                var revisions = await db.Revisions.AsNoTracking().Include(r => r.Timeline)
                    .Where(r => r.ClusterId == Cluster && r.Number >= from && r.Number <= to)
                    .ToListAsync();
                var pushed = revisions
                    .Select(r => (Accepted: r.CreatedAt, Pushed: r.Timeline.Where(t => t.State == committed).Select(t => (DateTimeOffset?)t.At).Min()))
                    .Where(r => r.Pushed is not null)
                    .Select(r => (r.Accepted, r.Pushed!.Value))
                    .ToList();
                if (pushed.Count == to - from + 1) return pushed;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{pushed.Count} of revisions {from}..{to} were pushed within {timeout}.");
            }
            await Task.Delay(pollInterval);
        }
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
