using ControlApi.Configuration;
using ControlApi.Core.Clusters;
using ControlApi.Core.Observation;
using ControlApi.Probes;
using ControlApi.Tests.TestCluster.Support;
using ControlApi.TestCluster.Api;
using ControlApi.Tracking;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using ExecResult = ControlApi.TestCluster.Api.ExecResult;

namespace ControlApi.Tests.Tracking;

/// <summary>The probes' edges against the test API server, and the tracker's pure decisions.</summary>
public sealed class ProbeTests
{
    private static async Task<(ApiServerFixture Fixture, KubernetesConnections Connections, ClusterConnection Connection)> ConnectAsync()
    {
        var fixture = await ApiServerFixture.StartAsync();
        var connections = new KubernetesConnections(new HostingEnvironment { ContentRootPath = fixture.Directory },
            Options.Create(new ProbeOptions { ExecTimeout = TimeSpan.FromSeconds(5) }));
        var cluster = new ManagedCluster(new ClusterProfile { Id = "probe" }, new GitOpsOptions(),
            new KubernetesOptions { Kubeconfig = fixture.KubeconfigPath, Context = TestKubernetesApiServer.ContextName }, "unused");
        return (fixture, connections, connections.For(cluster)!);
    }

    [Fact]
    public async Task An_agent_without_cilium_dbg_is_asked_with_cilium_and_the_choice_is_remembered()
    {
        var (fixture, connections, connection) = await ConnectAsync();
        await using var _ = fixture;
        using var __ = connections;
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-old", "node-1", container: "cilium-agent"));
        fixture.Server.Exec.Register(["cilium", "status", "-o", "json"], (_, _) => Task.FromResult(ExecResult.Success("""{"cilium":{"state":"Ok"}}""")));
        fixture.Server.Exec.Register(["cilium", "status", "--brief"], (_, _) => Task.FromResult(ExecResult.Success("OK\n")));
        var pod = new AgentPod("kube-system", "cilium-old", "node-1", Running: true);

        var first = await AgentStatusProbe.ReadOneAsync(connection, pod, withBrief: true, CancellationToken.None);
        var execsAfterFirst = connection.Execs;
        var second = await AgentStatusProbe.ReadOneAsync(connection, pod, withBrief: true, CancellationToken.None);

        Assert.True(first.Readable, first.Error);
        Assert.Equal("OK", first.Brief);
        Assert.Equal("Ok", first.Status!.Value.GetProperty("cilium").GetProperty("state").GetString());
        Assert.Equal(3, execsAfterFirst); // cilium-dbg (missing), cilium -o json, cilium --brief
        Assert.Equal(5, connection.Execs); // then straight to cilium
        Assert.True(second.Readable);
    }

    [Fact]
    public async Task An_agent_that_fails_its_exec_is_that_agent_s_failure_with_the_reason()
    {
        var (fixture, connections, connection) = await ConnectAsync();
        await using var _ = fixture;
        using var __ = connections;
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-sick", "node-2", container: "cilium-agent"));
        fixture.Server.Exec.Register(["cilium-dbg", "status", "-o", "json"], (_, _) => Task.FromResult(ExecResult.Failure(1, "cilium: daemon unreachable\n")));

        var sick = await AgentStatusProbe.ReadOneAsync(connection, new AgentPod("kube-system", "cilium-sick", "node-2", true), false, CancellationToken.None);
        var gone = await AgentStatusProbe.ReadOneAsync(connection, new AgentPod("kube-system", "cilium-gone", "node-3", true), false, CancellationToken.None);

        Assert.Equal("exit code 1: cilium: daemon unreachable", sick.Error);
        Assert.False(gone.Readable);
        Assert.NotNull(gone.Error);
    }

    [Fact]
    public async Task Flux_is_asked_to_reconcile_with_the_annotation_flux_reconcile_sets()
    {
        var (fixture, connections, connection) = await ConnectAsync();
        await using var _ = fixture;
        using var __ = connections;
        fixture.Server.Store.Create(KubernetesResources.Namespaces, new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "flux-system" },
        });
        fixture.Server.Store.Create(KubernetesResources.GitRepositories, System.Text.Json.Nodes.JsonNode.Parse("""
            {"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRepository","metadata":{"name":"flux-system","namespace":"flux-system"},"spec":{"interval":"10m","url":"file:///fleet.git"}}
            """)!.AsObject());
        var now = new DateTimeOffset(2026, 8, 20, 10, 15, 0, TimeSpan.Zero).AddTicks(1234567);

        var stamp = await FluxProbe.RequestReconcileAsync(connection, ApiResources.GitRepository, new ObjectRef("flux-system", "flux-system"), now, CancellationToken.None);

        Assert.Equal("2026-08-20T10:15:00.1234567Z", stamp);
        var stored = fixture.Server.Store.Get(KubernetesResources.GitRepositories, "flux-system", "flux-system")!.ToJsonObject();
        Assert.Equal(stamp, (string?)stored["metadata"]!["annotations"]![FluxProbe.ReconcileRequestAnnotation]);
        Assert.Equal(1, fixture.Server.Requests["patch", "gitrepositories.source.toolkit.fluxcd.io"]);
    }

    [Theory]
    [InlineData(0, "2026-08-20T10:15:00Z")]
    [InlineData(1, "2026-08-20T10:15:00.0000001Z")]
    [InlineData(1_000_000, "2026-08-20T10:15:00.1Z")]
    public void The_requested_at_value_is_Go_RFC3339Nano(long ticks, string expected) =>
        Assert.Equal(expected, FluxProbe.RequestedAt(new DateTimeOffset(2026, 8, 20, 12, 15, 0, TimeSpan.FromHours(2)).AddTicks(ticks)));

    [Theory]
    [InlineData("00:00:01", "*/1 * * * * *")]
    [InlineData("00:00:30", "*/30 * * * * *")]
    [InlineData("00:01:00", "*/1 * * * *")]
    [InlineData("00:15:00", "*/15 * * * *")]
    [InlineData("02:00:00", "0 */2 * * *")]
    public void The_poll_interval_becomes_a_cron(string interval, string cron) => Assert.Equal(cron, PollSchedule.Cron(TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("""{"metadata":{},"status":"Success"}""", 0, null)]
    [InlineData("""{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [cilium-dbg status], exit code 1","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"1"}]}}""", 1, null)]
    [InlineData("""{"metadata":{},"status":"Failure","message":"container not found (\"cilium-agent\")","reason":"InternalError"}""", null, "container not found (\"cilium-agent\")")]
    [InlineData("", null, "the exec ended without a status")]
    public void The_exec_status_channel_is_read_like_kubectl_does(string status, int? exit, string? failure)
    {
        var result = AgentStatusProbe.Interpret("out", "err", status);
        Assert.Equal(exit, result.ExitCode);
        Assert.Equal(failure, result.Failure);
    }

    private static readonly DateTimeOffset T0 = new(2026, 8, 20, 10, 0, 0, TimeSpan.Zero);

    private static RolloutProgress Rollout(RolloutPhase phase, int updated) => new(phase, 3, 17, updated, updated, updated, $"{updated}/17 updated");

    public static TheoryData<string, RolloutProgress, string?, int, double, string> RolloutCases => new()
    {
        { "complete", Rollout(RolloutPhase.Complete, 17), "x", 0, 0, "Complete" },
        { "moving", Rollout(RolloutPhase.Progressing, 3), "Progressing/3/2/2/2/17", 0, 30, "Progressing moved" },
        { "moving into the second quarter", Rollout(RolloutPhase.Progressing, 9), "Progressing/3/8/8/8/17", 1, 1, "Progressing moved q2" },
        { "a quarter already reported", Rollout(RolloutPhase.Progressing, 9), "Progressing/3/8/8/8/17", 2, 1, "Progressing moved" },
        { "still for less than the deadline", Rollout(RolloutPhase.Progressing, 5), "Progressing/3/5/5/5/17", 1, 9, "Progressing" },
        { "still for longer than the deadline", Rollout(RolloutPhase.Progressing, 5), "Progressing/3/5/5/5/17", 1, 11, "Stuck" },
        { "a controller that never observes the generation", Rollout(RolloutPhase.Pending, 0), "Pending/3/0/0/0/17", 0, 11, "Stuck" },
    };

    [Theory]
    [MemberData(nameof(RolloutCases))]
    public void A_rollout_is_complete_moving_or_stuck_by_its_last_move(string situation, RolloutProgress progress, string? last, int reported, double secondsSinceMove, string expected)
    {
        var decision = RolloutMonitor.Decide(progress, last, T0, reported, T0.AddSeconds(secondsSinceMove), TimeSpan.FromSeconds(10));
        var verdict = decision switch
        {
            RolloutMonitor.Decision.Complete => "Complete",
            RolloutMonitor.Decision.Stuck => "Stuck",
            RolloutMonitor.Decision.Progressing p => "Progressing" + (p.Moved ? " moved" : "") + (p.NewQuarter is { } q ? $" q{q}" : ""),
            _ => "?",
        };
        Assert.True(expected == verdict, $"{situation}: expected {expected}, got {verdict}");
    }

    [Fact]
    public void Flux_verdicts_become_moves_and_waiting_past_the_deadline_is_ReconcileFailed()
    {
        var deadline = TimeSpan.FromMinutes(15);
        Assert.IsType<FluxApplyStep.Decision.Apply>(FluxApplyStep.Decide(new FluxProgress.Applied("main@sha1:abc", 3, "ok"), T0, T0.AddMinutes(20), deadline));
        var failed = Assert.IsType<FluxApplyStep.Decision.Fail>(FluxApplyStep.Decide(new FluxProgress.Failed(FluxKind.HelmRelease, "UpgradeFailed", "Helm upgrade failed"), T0, T0, deadline));
        Assert.Equal("HelmRelease UpgradeFailed: Helm upgrade failed", failed.Reason);
        Assert.IsType<FluxApplyStep.Decision.Keep>(FluxApplyStep.Decide(new FluxProgress.Waiting(FluxKind.Kustomization, "not Ready"), T0, T0.AddMinutes(14), deadline));
        var late = Assert.IsType<FluxApplyStep.Decision.Fail>(FluxApplyStep.Decide(new FluxProgress.Waiting(FluxKind.Kustomization, "not Ready"), T0, T0.AddMinutes(16), deadline));
        Assert.Equal("Flux did not apply the commit within 15 min: not Ready", late.Reason);
        Assert.Null(late.Flux);
    }

    [Fact]
    public void Verification_fails_only_after_the_grace_period()
    {
        var grace = TimeSpan.FromMinutes(5);
        var failing = new VerificationResult([new VerificationFailure("agent-status", "cilium-x peer-count", "16", "15")], 17);
        Assert.IsType<VerifyStep.Decision.Pass>(VerifyStep.Decide(new VerificationResult([], 17), T0, T0.AddHours(1), grace));
        Assert.IsType<VerifyStep.Decision.Keep>(VerifyStep.Decide(failing, T0, T0.AddMinutes(4), grace));
        Assert.IsType<VerifyStep.Decision.Fail>(VerifyStep.Decide(failing, T0, T0.AddMinutes(6), grace));
    }
}
