using System.Net.Http.Headers;
using System.Security.Cryptography;
using CliWrap;
using CliWrap.Buffered;
using ControlApi.Audit;
using ControlApi.Core.Settings;
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
/// Detection lag: how long after the simulated cluster makes a step visible through the API does
/// ControlApi's audit carry it. Each round commits a change to the seed's 17-node cluster and
/// pairs three steps with their events — Flux applied (KustomizationReady → <c>flux.applied</c>),
/// rollout complete (RolloutCompleted → <c>rollout.completed</c>), agents converged (last agent
/// step → <c>verify.passed</c>) — both stamped with the same clock.
/// </summary>
public static class DetectionLagBenchmark
{
    public static async Task RunAsync(string[] args) => BenchReport.Print(Console.Out, await MeasureAsync(args));

    /// <summary><c>[rounds]</c>: changes committed and followed to Verified (default 10).</summary>
    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var root = Directory.CreateTempSubdirectory("controlapi-bench-lag-").FullName;
        try
        {
            var remote = Path.Combine(root, "fleet.git");
            await Cli.Wrap("git").WithArguments(["init", "--quiet", "--bare", "--initial-branch=main", remote]).ExecuteBufferedAsync();
            await using var server = await TestKubernetesApiServer.StartAsync();
            var kubeconfig = server.WriteKubeconfig(Path.Combine(root, "kubeconfig"));
            await using var simulator = await ClusterSimulator.StartAsync(server, new ClusterSimulatorOptions { RepositoryPath = remote, RequireReconcileRequest = true });
            var adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
            {
                host.UseSetting("ControlApi:DataDirectory", Path.Combine(root, "data"));
                host.UseSetting("ControlApi:Clusters:0:GitOps:Repository", remote);
                host.UseSetting("ControlApi:Clusters:0:Kubernetes:Kubeconfig", kubeconfig);
                host.UseSetting("ControlApi:Clusters:0:Kubernetes:Context", TestKubernetesApiServer.ContextName);
                host.UseSetting("ControlApi:Tracking:PollInterval", "01:00:00");
                host.UseSetting(SecurityOptions.AdminKeyVariable, adminKey);
                host.UseSetting("Logging:LogLevel:Default", "Warning");
            });
            var client = factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);

            var lags = new Dictionary<string, List<double>> { ["flux.applied"] = [], ["rollout.completed"] = [], ["verify.passed"] = [] };
            for (var round = 0; round <= rounds; round++)
            {
                var before = simulator.Log.LastSequence;
                var settings = CiliumSettings.Defaults with { HostFirewall = new HostFirewallSettings { Enabled = round % 2 == 0 }, L7Proxy = round % 3 != 0 };
                using var body = new StringContent(SettingsJson.Serialize(settings), System.Text.Encoding.UTF8, "application/json");
                (await client.PutAsync("/api/v1/clusters/local/cilium", body)).EnsureSuccessStatusCode();
                var events = await WaitForVerifiedAsync(factory.Services, round + 1);
                if (round == 0) continue; // warms up clones, connections and the JIT
                var steps = simulator.Steps.Where(s => s.Sequence > before).ToList();
                Pair(lags["flux.applied"], steps.LastOrDefault(s => s.Kind == SimulatorStepKind.KustomizationReady), events, AuditKinds.FluxApplied);
                Pair(lags["rollout.completed"], steps.LastOrDefault(s => s.Kind == SimulatorStepKind.RolloutCompleted), events, AuditKinds.RolloutCompleted);
                Pair(lags["verify.passed"], steps.LastOrDefault(s => s.Kind is SimulatorStepKind.PodReady or SimulatorStepKind.WireguardKeyPublished or SimulatorStepKind.CiliumConfigUpdated),
                    events, AuditKinds.VerifyPassed);
            }

            var all = lags.Values.SelectMany(v => v).ToList();
            foreach (var (kind, values) in lags) Report(kind, values);
            Report("all", all);
            Console.WriteLine($"goal: median ≤ 1000 ms -> {(Stats.Percentile(all, 0.5) <= 1000 ? "met" : "missed")}");
            return [new("detection: cluster step → its audit event (median over applied, rolled out, verified)", Stats.Percentile(all, 0.5), "ms", Better.Lower, 1000)];
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Pair(List<double> into, SimulatorStep? step, IReadOnlyList<Data.Entities.AuditEvent> events, string kind)
    {
        var audited = events.FirstOrDefault(e => e.Kind == kind);
        if (step is null || audited is null) return;
        into.Add(Math.Max(0, (audited.Time - step.At).TotalMilliseconds));
    }

    private static async Task<IReadOnlyList<Data.Entities.AuditEvent>> WaitForVerifiedAsync(IServiceProvider services, int number)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
            var state = await db.Revisions.AsNoTracking().Where(r => r.ClusterId == "local" && r.Number == number).Select(r => r.State).SingleOrDefaultAsync();
            if (state is "Verified" or "NoChange")
                return await db.AuditEvents.AsNoTracking().Where(e => e.ClusterId == "local" && e.Revision == number).OrderBy(e => e.Id).ToListAsync();
            if (state is "ReconcileFailed" or "RolloutStuck" or "VerificationFailed")
                throw new InvalidOperationException($"Revision {number} ended {state}.");
            await Task.Delay(20);
        }
        throw new TimeoutException($"Revision {number} was not verified within two minutes.");
    }

    private static void Report(string what, List<double> ms) =>
        Console.WriteLine(ms.Count == 0
            ? $"{what,-18} no samples"
            : $"{what,-18} n={ms.Count,3}  median {Stats.Percentile(ms, 0.5),7:0} ms  p99 {Stats.Percentile(ms, 0.99),7:0} ms  max {ms.Max(),7:0} ms");
}
