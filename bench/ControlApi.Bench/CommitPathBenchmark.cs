using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Bench;

/// <summary>
/// Accepted → pushed through the real service (HTTP PUT, outbox, Hangfire commit job, git CLI)
/// against a local bare remote, side by side with a person's raw <c>git add/commit/push</c> of the
/// same files into another bare remote. The service's time is read from the revision's own
/// timeline (Accepted → Committed), so polling adds nothing to it.
/// </summary>
public static class CommitPathBenchmark
{
    private static readonly string AdminKey = "bench-admin-" + Guid.NewGuid().ToString("N");

    public static async Task RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20;
        // Optional: Jobs:CommitQueuePollInterval for the service (e.g. 00:00:00.050); the default otherwise.
        var queuePoll = args.Length > 1 ? args[1] : null;
        var root = Directory.CreateTempSubdirectory("controlapi-bench-").FullName;
        try
        {
            var service = await MeasureServiceAsync(root, rounds, queuePoll);
            var raw = await MeasureRawGitAsync(root, rounds);
            Report($"accepted → pushed (ControlApi, queue poll {queuePoll ?? "default"})", service);
            Report("git add/commit/push (raw CLI)", raw);
            Console.WriteLine($"ratio (median): {Median(service) / Median(raw):0.00}×   ratio (p90): {Percentile(service, 0.9) / Percentile(raw, 0.9):0.00}×   goal ≤ 1.5×");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static CiliumSettings Settings(int round) => CiliumSettings.Defaults with
    {
        L7Proxy = round % 2 == 0,
        Bgp = CiliumSettings.Defaults.Bgp with { LocalAsn = 64512 + round },
    };

    private static async Task<List<double>> MeasureServiceAsync(string root, int rounds, string? queuePoll)
    {
        var remote = Path.Combine(root, "service.git");
        await Git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("ControlApi:DataDirectory", Path.Combine(root, "data"));
            host.UseSetting("ControlApi:Clusters:0:GitOps:Repository", remote);
            host.UseSetting("Logging:LogLevel:Default", "Warning");
            host.UseSetting("CONTROLAPI_ADMIN_KEY", AdminKey);
            if (queuePoll is not null) host.UseSetting("ControlApi:Jobs:CommitQueuePollInterval", queuePoll);
        });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        var timings = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            using var body = new StringContent(SettingsJson.Serialize(Settings(round)), System.Text.Encoding.UTF8, "application/json");
            var response = await client.PutAsync("/api/v1/clusters/local/cilium", body);
            response.EnsureSuccessStatusCode();
            var elapsed = await WaitForCommitAsync(factory.Services, round + 1);
            if (round > 0) timings.Add(elapsed); // round 0 warms up the clone and the JIT
        }
        return timings;
    }

    private static async Task<double> WaitForCommitAsync(IServiceProvider services, int number)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            var revision = await db.Revisions.AsNoTracking().Include(r => r.Timeline)
                .SingleOrDefaultAsync(r => r.ClusterId == "local" && r.Number == number);
            var committed = revision?.Timeline.FirstOrDefault(t => t.State == "Committed");
            if (committed is not null) return (committed.At - revision!.CreatedAt).TotalMilliseconds;
            await Task.Delay(5);
        }
        throw new TimeoutException($"Revision {number} was not committed within a minute.");
    }

    private static async Task<List<double>> MeasureRawGitAsync(string root, int rounds)
    {
        var remote = Path.Combine(root, "raw.git");
        var clone = Path.Combine(root, "raw-clone");
        await Git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
        await Git(root, "clone", "--quiet", remote, clone);
        var cluster = new ClusterProfile { Id = "local" };
        var timings = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var files = ManifestRenderer.Render(cluster, Settings(round)).Files;
            var clock = Stopwatch.StartNew();
            foreach (var file in files)
            {
                var path = Path.Combine(clone, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, file.Content);
            }
            await Git(clone, "add", "--all");
            await Git(clone, "-c", "user.name=Bench", "-c", "user.email=bench@example.test", "commit", "--quiet", "-m", $"round {round}");
            await Git(clone, "push", "--quiet", "origin", "HEAD:main");
            if (round > 0) timings.Add(clock.Elapsed.TotalMilliseconds);
        }
        return timings;
    }

    private static async Task Git(string directory, params string[] arguments) =>
        await Cli.Wrap("git").WithArguments(arguments).WithWorkingDirectory(directory)
            .WithEnvironmentVariables(env => env.Set("GIT_TERMINAL_PROMPT", "0"))
            .ExecuteBufferedAsync();

    private static void Report(string what, List<double> ms) =>
        Console.WriteLine($"{what,-52} n={ms.Count}  median {Median(ms),7:0.0} ms  p90 {Percentile(ms, 0.9),7:0.0} ms  min {ms.Min(),7:0.0} ms");

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
