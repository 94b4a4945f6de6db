using System.Diagnostics;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;

namespace ControlApi.Cli.Tests;

/// <summary>
/// The CLI against a service connected to the test Kubernetes API server, whose simulator moves Flux,
/// the cilium DaemonSet (17 nodes) and the agents after each commit lands in the bare repository.
/// </summary>
public sealed class CliTrackedClusterTests
{
    [Fact]
    public async Task Waiting_for_Verified_shows_the_state_and_rollout_and_exits_0()
    {
        var temp = Directory.CreateTempSubdirectory("controlapi-cli-tracked-").FullName;
        var remote = Path.Combine(temp, "fleet.git");
        Directory.CreateDirectory(remote);
        using (var git = Process.Start("git", ["init", "--quiet", "--bare", "--initial-branch=main", remote])) await git.WaitForExitAsync();
        await using var apiServer = await TestKubernetesApiServer.StartAsync();
        await using var simulator = await ClusterSimulator.StartAsync(apiServer, new ClusterSimulatorOptions { RepositoryPath = remote });
        using var service = new ServiceUnderTest(new()
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = remote,
            ["ControlApi:Clusters:0:Kubernetes:Kubeconfig"] = apiServer.WriteKubeconfig(Path.Combine(temp, "kubeconfig")),
            ["ControlApi:Clusters:0:Kubernetes:Context"] = TestKubernetesApiServer.ContextName,
            ["ControlApi:Tracking:ApplyDeadline"] = "00:01:00",
            ["ControlApi:Tracking:RolloutProgressDeadline"] = "00:00:10",
            ["ControlApi:Tracking:VerificationGracePeriod"] = "00:01:00",
            ["ControlApi:Tracking:VerifyRecheckInterval"] = "00:00:00.200",
            ["ControlApi:Probes:RequestTimeout"] = "00:00:03",
            ["ControlApi:Probes:ExecTimeout"] = "00:00:05",
        });

        var run = await Cli.RunAsync(service, Cli.WithKey(service), true, "enable", "host-firewall", "--wait", "--timeout", "2m");
        // status shows the latest stored observation; the one taken after the rollout may land a moment after Verified.
        var status = await Cli.RunAsync(service, Cli.WithKey(service), true, "status");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!System.Text.RegularExpressions.Regex.IsMatch(status.Out, @"rollout:\s+17/17 updated") && DateTime.UtcNow < deadline)
        {
            await Cli.RunAsync(service, Cli.WithKey(service), true, "reconcile");
            await Task.Delay(200);
            status = await Cli.RunAsync(service, Cli.WithKey(service), true, "status");
        }

        Assert.True(run.ExitCode == ExitCodes.Done, run.Out + run.Error);
        Assert.Contains("revision 1 is Verified", run.Out);
        Assert.Matches(@"(?m)^revision 1: \w+", run.Out);
        Assert.Contains("connected: true", status.Out);
        Assert.Matches(@"rollout:\s+17/17 updated", status.Out);
        try { Directory.Delete(temp, recursive: true); } catch (IOException) { /* a process still holds a file; the OS temp cleaner takes it */ }
    }
}
