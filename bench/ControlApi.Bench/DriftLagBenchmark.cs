using System.Net.Http.Headers;
using System.Security.Cryptography;
using CliWrap;
using CliWrap.Buffered;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Bench;

/// <summary>
/// Drift detection lag: a hand edit of <c>cilium-config</c> (the simulator's step) to the
/// <c>drift.detected</c> event, and the fix to <c>drift.cleared</c>, both stamped with the same clock.
/// Measured with the watch (the service as shipped) beside the baseline: the watch off, so only the
/// recurring 1-minute poll sees it (what the service did before).
/// </summary>
public static class DriftLagBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var measures = await MeasureAsync(args);
        Console.WriteLine();
        BenchReport.Print(Console.Out, measures);
    }

    /// <summary><c>[rounds] [baseline rounds]</c>: hand edits measured with the watch, and with the poll only.</summary>
    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var baselineRounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var watched = await MeasureAsync(rounds, watch: true);
        var polled = await MeasureAsync(baselineRounds, watch: false);
        Report("watch", watched);
        Report("poll only (baseline)", polled);
        if (watched.Count == 0) throw new InvalidOperationException("No hand edit was detected with the watch on.");
        return
        [
            new("drift: hand edit of cilium-config → drift.detected (p99)", Stats.Percentile(watched, 0.99) / 1000, "s", Better.Lower, 2,
                polled.Count > 0 ? Stats.Percentile(polled, 0.99) / 1000 : null, "1-minute poll only"),
        ];
    }

    private static async Task<List<double>> MeasureAsync(int rounds, bool watch)
    {
        var lags = new List<double>();
        var root = Directory.CreateTempSubdirectory("controlapi-bench-drift-").FullName;
        try
        {
            var remote = Path.Combine(root, "fleet.git");
            await Cli.Wrap("git").WithArguments(["init", "--quiet", "--bare", "--initial-branch=main", remote]).ExecuteBufferedAsync();
            await using var server = await TestKubernetesApiServer.StartAsync();
            var kubeconfig = server.WriteKubeconfig(Path.Combine(root, "kubeconfig"));
            await using var simulator = await ClusterSimulator.StartAsync(server, new ClusterSimulatorOptions { RepositoryPath = remote });
            var adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
            {
                host.UseSetting("ControlApi:DataDirectory", Path.Combine(root, "data"));
                host.UseSetting("ControlApi:Clusters:0:GitOps:Repository", remote);
                host.UseSetting("ControlApi:Clusters:0:Kubernetes:Kubeconfig", kubeconfig);
                host.UseSetting("ControlApi:Clusters:0:Kubernetes:Context", TestKubernetesApiServer.ContextName);
                host.UseSetting("ControlApi:Tracking:PollInterval", "00:01:00");
                host.UseSetting("ControlApi:Tracking:DriftWatch", watch ? "true" : "false");
                host.UseSetting(SecurityOptions.AdminKeyVariable, adminKey);
                host.UseSetting("Logging:LogLevel:Default", "Warning");
            });
            var client = factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using (var body = new StringContent("""{"hostFirewall":{"enabled":true}}""", System.Text.Encoding.UTF8, "application/json"))
                (await client.PutAsync("/api/v1/clusters/local/cilium", body)).EnsureSuccessStatusCode();
            await WaitForAsync(factory.Services, db => db.Revisions.AnyAsync(r => r.Number == 1 && r.State == "Verified"), "revision 1 to be Verified");

            for (var round = 0; round < rounds; round++)
            {
                simulator.EditCiliumConfig("enable-host-firewall", "false");
                var edited = simulator.Steps.Last(s => s.Kind == SimulatorStepKind.ConfigMapEdited);
                lags.Add(await LagAsync(factory.Services, AuditKinds.DriftDetected, round + 1, edited.At));
                simulator.RestoreCiliumConfig();
                var restored = simulator.Steps.Last(s => s.Kind == SimulatorStepKind.CiliumConfigUpdated);
                lags.Add(await LagAsync(factory.Services, AuditKinds.DriftCleared, round + 1, restored.At));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        return lags;
    }

    private static async Task<double> LagAsync(IServiceProvider services, string kind, int count, DateTimeOffset happened)
    {
        var events = await WaitForAsync(services, db => db.AuditEvents.Where(e => e.Kind == kind).OrderBy(e => e.Id).ToListAsync(), e => e.Count >= count, $"{count} {kind}");
        return Math.Max(0, (events[count - 1].Time - happened).TotalMilliseconds);
    }

    private static Task WaitForAsync(IServiceProvider services, Func<ControlApiDbContext, Task<bool>> query, string what) =>
        WaitForAsync(services, query, done => done, what);

    private static async Task<T> WaitForAsync<T>(IServiceProvider services, Func<ControlApiDbContext, Task<T>> query, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            await using var scope = services.CreateAsyncScope();
            var value = await query(scope.ServiceProvider.GetRequiredService<ControlApiDbContext>());
            if (done(value)) return value;
            await Task.Delay(20);
        }
        throw new TimeoutException($"Waited three minutes for {what}.");
    }

    private static void Report(string what, List<double> ms) =>
        Console.WriteLine(ms.Count == 0
            ? $"{what,-22} no samples"
            : $"{what,-22} n={ms.Count,3}  median {Stats.Percentile(ms, 0.5),7:0} ms  p99 {Stats.Percentile(ms, 0.99),7:0} ms  max {ms.Max(),7:0} ms");
}
