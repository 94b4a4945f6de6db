using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using ControlApi.Configuration;
using ControlApi.Core.Clusters;
using ControlApi.Probes;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;
using ControlApi.Tracking;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace ControlApi.Bench;

/// <summary>
/// One routine poll of a simulated 5,000-node cluster (Flux objects, DaemonSet, cilium-config,
/// CiliumNodes, Hubble UI, agent pods, the agent sample's execs, leftover scan, judging): wall time,
/// peak memory and the API requests it made, counted by the client and by the server. Goals: ≤ 2 s,
/// ≤ 256 MB, requests growing with list pages only. The API server runs in the same process, so the
/// memory figures are an upper bound for the poll alone.
/// </summary>
public static class LargeClusterPollBenchmark
{
    public static async Task RunAsync(string[] args) => BenchReport.Print(Console.Out, await MeasureAsync(args));

    /// <summary><c>[nodes]</c>: the cluster's size (default 5,000).</summary>
    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var nodes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
        var root = Directory.CreateTempSubdirectory("controlapi-bench-poll-").FullName;
        try
        {
            var remote = Path.Combine(root, "fleet.git");
            await Cli.Wrap("git").WithArguments(["init", "--quiet", "--bare", "--initial-branch=main", remote]).ExecuteBufferedAsync();
            await using var server = await TestKubernetesApiServer.StartAsync();
            var kubeconfig = server.WriteKubeconfig(Path.Combine(root, "kubeconfig"));
            var seeding = Stopwatch.StartNew();
            await using var simulator = await ClusterSimulator.StartAsync(server, new ClusterSimulatorOptions
            {
                RepositoryPath = remote, NodeCount = nodes, GitPollInterval = TimeSpan.FromSeconds(5),
            });
            Console.WriteLine($"seeded {nodes} nodes in {seeding.Elapsed.TotalSeconds:0.0} s");

            var probeOptions = new ProbeOptions();
            using var connections = new KubernetesConnections(new HostingEnvironment { ContentRootPath = root }, Options.Create(probeOptions));
            var cluster = new ManagedCluster(new ClusterProfile { Id = "big" }, new GitOpsOptions(),
                new KubernetesOptions { Kubeconfig = kubeconfig, Context = TestKubernetesApiServer.ContextName }, remote);
            var connection = connections.For(cluster)!;
            var observer = new ClusterObserver(new FluxProbe(), Options.Create(probeOptions), TimeProvider.System);

            await PollAsync("cold (first poll: connections, JIT)", server, connection, observer, cluster);
            var warm = new List<(double Ms, double HeapMb)>();
            for (var i = 1; i <= 3; i++) warm.Add(await PollAsync($"warm #{i}", server, connection, observer, cluster));
            return
            [
                new($"poll of a {nodes:N0}-node cluster, warm (median of 3)", Stats.Percentile(warm.Select(w => w.Ms).ToList(), 0.5), "ms", Better.Lower, 2000),
                new($"poll of a {nodes:N0}-node cluster, managed heap peak (largest of 3)", warm.Max(w => w.HeapMb), "MB", Better.Lower, 256),
            ];
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(double Ms, double HeapMb)> PollAsync(string label, TestKubernetesApiServer server, ClusterConnection connection, ClusterObserver observer, ManagedCluster cluster)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: false);
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(5, CancellationToken.None);
            }
        });
        var serverBefore = server.Requests.Snapshot();
        var clock = Stopwatch.StartNew();

        var observation = await observer.ObserveAsync(connection, cluster.Profile, rotation: Environment.TickCount64, CancellationToken.None);
        var (snapshot, _) = PollJob.Judge(cluster.Profile, observation, new PollJob.Desired(null, null, []));
        var elapsed = clock.Elapsed;

        await sampling.CancelAsync();
        await sampler;
        var serverAfter = server.Requests.Snapshot();
        var byKind = serverAfter.Select(kv => (kv.Key, Count: kv.Value - serverBefore.GetValueOrDefault(kv.Key)))
            .Where(k => k.Count > 0 && k.Key.Verb != "watch").OrderBy(k => k.Key.ToString(), StringComparer.Ordinal).ToList();

        Console.WriteLine($"{label}: {elapsed.TotalMilliseconds:0} ms; {observation.Requests} API requests (server saw {byKind.Sum(k => k.Count)}), " +
            $"{observation.Execs} execs; managed heap peak +{(peak - baseline) / 1048576.0:0.0} MB; process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB");
        Console.WriteLine($"  {snapshot.Summary()}");
        Console.WriteLine($"  requests: {string.Join(", ", byKind.Select(k => $"{k.Key} ×{k.Count}"))}");
        if (observation.Problem is not null) Console.WriteLine($"  problem: {observation.Problem}");
        return (elapsed.TotalMilliseconds, (peak - baseline) / 1048576.0);
    }
}
