using System.Text.Json;

namespace ControlApi.Cli.Tests;

/// <summary>Failures on the way, several clusters, plan, rollback, wait and the audit (live too).</summary>
public sealed class CliScenarioTests
{
    [Fact]
    public async Task A_change_whose_commit_fails_exits_1_and_names_the_state()
    {
        // A file:// remote names a repository someone else provides; it is never created, so every push fails.
        var missing = Path.Combine(Path.GetTempPath(), "controlapi-cli-no-remote-" + Guid.NewGuid().ToString("N"), "fleet.git");
        using var service = new ServiceUnderTest(new() { ["ControlApi:Clusters:0:GitOps:Repository"] = "file://" + missing });

        var run = await Cli.RunAsync(service, Cli.WithKey(service), true, "enable", "host-firewall", "--wait=Committed", "--timeout", "1m");

        Assert.True(run.ExitCode == ExitCodes.Failed, run.Out + run.Error);
        Assert.Contains("revision 1 failed: CommitFailed", run.Out);
    }

    [Fact]
    public async Task With_several_clusters_the_cluster_must_be_named()
    {
        using var service = new ServiceUnderTest(SecondCluster("lab"));

        var unnamed = await Cli.RunAsync(service, Cli.WithKey(service), true, "history");
        var named = await Cli.RunAsync(service, Cli.WithKey(service), true, "enable", "host-firewall", "--cluster", "lab", "--wait=Committed", "--timeout", "1m");
        var unknown = await Cli.RunAsync(service, Cli.WithKey(service), true, "history", "-c", "nowhere");

        Assert.Equal(ExitCodes.Refused, unnamed.ExitCode);
        Assert.Contains("choose one with --cluster (local, lab)", unnamed.Error);
        Assert.True(named.ExitCode == ExitCodes.Done, named.Out + named.Error);
        Assert.Equal(ExitCodes.Refused, unknown.ExitCode);
        Assert.Contains("error 404", unknown.Error);
    }

    [Fact]
    public async Task Plan_shows_a_valid_change_without_storing_it_and_exits_2_when_the_rules_refuse()
    {
        using var service = new ServiceUnderTest();

        var valid = await Cli.RunAsync(service, Cli.WithKey(service), true, "plan", """{"encryption":{"enabled":true}}""");
        var refused = await Cli.RunAsync(service, Cli.WithKey(service), true, "plan", """{"bandwidthManager":{"bbr":true}}""");
        var history = await Cli.RunAsync(service, Cli.WithKey(service), true, "history", "-o", "json");

        Assert.Equal(ExitCodes.Done, valid.ExitCode);
        Assert.Contains("change  enable encryption", valid.Out);
        Assert.Contains("+++ b/", valid.Out);
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.Contains("error /bandwidthManager/bbr", refused.Out);
        Assert.Equal(0, JsonDocument.Parse(history.Out).RootElement.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("number").GetInt32() > 0));
    }

    [Fact]
    public async Task Rollback_restores_a_revision_and_wait_follows_it()
    {
        using var service = new ServiceUnderTest();
        var env = Cli.WithKey(service);
        await Cli.RunAsync(service, env, true, "enable", "host-firewall", "--wait=Committed", "--timeout", "1m");

        var rollback = await Cli.RunAsync(service, env, true, "rollback", "0", "--reason", "undo", "--on-behalf-of", "alice");
        var wait = await Cli.RunAsync(service, env, true, "wait", "2", "--for", "Committed", "--timeout", "1m");
        var diff = await Cli.RunAsync(service, env, true, "diff", "2", "1");
        var audit = await Cli.RunAsync(service, env, true, "audit", "--person", "alice");

        Assert.True(rollback.ExitCode == ExitCodes.Done, rollback.Out + rollback.Error);
        Assert.Contains("revision 2 accepted: disable host-firewall", rollback.Out);
        Assert.True(wait.ExitCode == ExitCodes.Done, wait.Out + wait.Error);
        Assert.Contains("revision 2 is Committed", wait.Out);
        Assert.Contains("/hostFirewall/enabled: true -> false", diff.Out);
        Assert.Contains("change.accepted", audit.Out);
        Assert.Contains("alice", audit.Out);
    }

    [Fact]
    public async Task Audit_follow_prints_events_as_they_happen()
    {
        using var service = new ServiceUnderTest();
        var env = Cli.WithKey(service);
        var output = new LockedWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var follow = CliApp.RunAsync(["audit", "--follow", "-o", "json"], new CliConsole(output, TextWriter.Null, true),
            service.Server.CreateHandler(), name => env.TryGetValue(name, out var v) ? v : null, stop.Token);

        // The stream starts with the next event: change until the follower has seen one (a condition with a deadline, not a sleep).
        var seen = false;
        for (var attempt = 0; !seen && !stop.IsCancellationRequested; attempt++)
        {
            await Cli.RunAsync(service, env, true, attempt % 2 == 0 ? "enable" : "disable", "host-firewall");
            seen = await Eventually(() => output.Text.Contains("\"change.accepted\""), TimeSpan.FromSeconds(5));
        }
        await stop.CancelAsync();

        Assert.True(seen, output.Text);
        Assert.Equal(ExitCodes.Done, await follow);
        var first = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.Equal("local", JsonDocument.Parse(first).RootElement.GetProperty("cluster").GetString());
    }

    private static async Task<bool> Eventually(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    private static Dictionary<string, string?> SecondCluster(string id) => new()
    {
        ["ControlApi:Clusters:1:Id"] = id,
        ["ControlApi:Clusters:1:DisplayName"] = "Second sandbox",
        ["ControlApi:Clusters:1:GitOps:Repository"] = id + ".git",
        ["ControlApi:Clusters:1:GitOps:Branch"] = "main",
        ["ControlApi:Clusters:1:GitOps:CiliumPath"] = "gitops/infrastructure/cilium",
        ["ControlApi:Clusters:1:GitOps:TalosPatchPath"] = "talos/patches/cilium.yaml",
        ["ControlApi:Clusters:1:GitOps:AuthorName"] = "ControlApi",
        ["ControlApi:Clusters:1:GitOps:AuthorEmail"] = "controlapi@localhost",
        ["ControlApi:Clusters:1:Kubernetes:InCluster"] = "false",
        ["ControlApi:Clusters:1:Talos:Version"] = "1.13",
        ["ControlApi:Clusters:1:Talos:KubePrismPort"] = "7445",
        ["ControlApi:Clusters:1:Flux:GitRepository"] = "flux-system/flux-system",
        ["ControlApi:Clusters:1:Flux:Kustomization"] = "flux-system/cilium",
        ["ControlApi:Clusters:1:Flux:HelmRelease"] = "kube-system/cilium",
        ["ControlApi:Clusters:1:Chart:Repository"] = "https://helm.cilium.io/",
        ["ControlApi:Clusters:1:Chart:Version"] = "1.18.2",
    };

    /// <summary>A writer the follower writes to while the test reads it.</summary>
    private sealed class LockedWriter : StringWriter
    {
        public string Text { get { lock (this) return ToString(); } }
        public override void Write(char value) { lock (this) base.Write(value); }
        public override void Write(string? value) { lock (this) base.Write(value); }
        public override void WriteLine(string? value) { lock (this) base.WriteLine(value); }
    }
}
