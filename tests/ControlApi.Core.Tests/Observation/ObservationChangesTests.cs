using ControlApi.Core.Clusters;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;

namespace ControlApi.Core.Tests.Observation;

public sealed class ObservationChangesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly ConfigKeyDrift WireGuardOff = new(new ExpectedConfigKey("enable-wireguard", "true", "why"), "false");
    private static readonly MigrationLeftover Flannel = new(LeftoverKinds.DaemonSet, "kube-system/kube-flannel", "DaemonSet kube-system/kube-flannel is still present");

    private static ClusterFacts Healthy => new(true, null, [], []);

    private static IReadOnlyList<ObservedChangeKind> Kinds(IReadOnlyList<ObservedChange> changes) => changes.Select(c => c.Kind).ToList();

    [Fact]
    public void The_first_poll_only_starts_the_heartbeat()
    {
        var (changes, next) = ObservationChanges.Between(RememberedFacts.None, Healthy, T0, Hour);
        Assert.Equal([ObservedChangeKind.Heartbeat], Kinds(changes));
        Assert.Equal(T0, next.LastHeartbeatAt);
        Assert.True(next.Reachable);
    }

    [Fact]
    public void The_same_facts_again_say_nothing_until_the_heartbeat_is_due()
    {
        var (_, remembered) = ObservationChanges.Between(RememberedFacts.None, Healthy, T0, Hour);
        var (quiet, same) = ObservationChanges.Between(remembered, Healthy, T0 + TimeSpan.FromMinutes(59), Hour);
        Assert.Empty(quiet);
        Assert.Equal(remembered, same);
        var (beat, _) = ObservationChanges.Between(same, Healthy, T0 + Hour, Hour);
        Assert.Equal([ObservedChangeKind.Heartbeat], Kinds(beat));
    }

    [Fact]
    public void Unreachable_is_said_once_and_reachable_once_when_it_answers_again()
    {
        var state = ObservationChanges.Between(RememberedFacts.None, Healthy, T0, Hour).Next;
        var down = new ClusterFacts(false, "cannot connect (ConnectionRefused)", null, null);
        var (first, s1) = ObservationChanges.Between(state, down, T0.AddMinutes(1), Hour);
        var (second, s2) = ObservationChanges.Between(s1, down, T0.AddMinutes(2), Hour);
        var (back, _) = ObservationChanges.Between(s2, Healthy, T0.AddMinutes(3), Hour);
        Assert.Equal([ObservedChangeKind.ClusterUnreachable], Kinds(first));
        Assert.Empty(second);
        Assert.Equal([ObservedChangeKind.ClusterReachable], Kinds(back));
    }

    [Fact]
    public void Drift_is_detected_once_kept_while_not_evaluated_and_cleared_once()
    {
        var state = ObservationChanges.Between(RememberedFacts.None, Healthy, T0, Hour).Next;
        var drifting = new ClusterFacts(true, null, [WireGuardOff], []);
        var (detected, s1) = ObservationChanges.Between(state, drifting, T0.AddMinutes(1), Hour);
        var (again, s2) = ObservationChanges.Between(s1, drifting, T0.AddMinutes(2), Hour);
        var (rollingOut, s3) = ObservationChanges.Between(s2, new ClusterFacts(true, null, null, []), T0.AddMinutes(3), Hour);
        var (cleared, _) = ObservationChanges.Between(s3, Healthy, T0.AddMinutes(4), Hour);
        Assert.Equal([ObservedChangeKind.DriftDetected], Kinds(detected));
        Assert.Contains("enable-wireguard (desired true, live false)", detected[0].Summary);
        Assert.Empty(again);
        Assert.Empty(rollingOut);
        Assert.Equal([ObservedChangeKind.DriftCleared], Kinds(cleared));
    }

    [Fact]
    public void Only_new_leftovers_are_reported()
    {
        var state = ObservationChanges.Between(RememberedFacts.None, Healthy, T0, Hour).Next;
        var proxy = Flannel with { Subject = "kube-system/kube-proxy" };
        var (first, s1) = ObservationChanges.Between(state, new ClusterFacts(true, null, [], [Flannel]), T0.AddMinutes(1), Hour);
        var (same, s2) = ObservationChanges.Between(s1, new ClusterFacts(true, null, [], [Flannel]), T0.AddMinutes(2), Hour);
        var (more, _) = ObservationChanges.Between(s2, new ClusterFacts(true, null, [], [Flannel, proxy]), T0.AddMinutes(3), Hour);
        Assert.Equal([ObservedChangeKind.LeftoverFound], Kinds(first));
        Assert.Empty(same);
        Assert.Equal([proxy], Assert.Single(more).Leftovers);
    }

    [Fact]
    public void Leftovers_come_from_old_DaemonSets_unmanaged_pods_and_flannel_devices()
    {
        var status = System.Text.Json.JsonDocument.Parse("""{"host-firewall":{"mode":"Enabled","devices":["eth0","flannel.1"]}}""").RootElement;
        var found = MigrationLeftoverEvaluator.Find(
            [new ObjectRef("kube-system", "kube-flannel")],
            [new UnmanagedPod("default", "legacy-web-0", "node-01")], 1,
            [new AgentReport("cilium-abc", "node-01", status)]);
        Assert.Equal(["daemonset:kube-system/kube-flannel", "pod:default/legacy-web-0", "device:node-01/flannel.1"], found.Select(f => f.Key));
    }

    [Fact]
    public void Live_features_are_read_from_the_chart_keys()
    {
        var live = LiveFeatures.From(new Dictionary<string, string> { ["enable-wireguard"] = "true", ["enable-hubble"] = "false", ["kube-proxy-replacement"] = "true" }, hubbleUiPresent: true);
        Assert.True(live["encryption"]);
        Assert.False(live["hubble"]);
        Assert.True(live["hubble-ui"]);
        Assert.True(live["kube-proxy-replacement"]);
        Assert.False(live["bgp"]);
        Assert.All(LiveFeatures.From(null, null).Values, v => Assert.Null(v));
        Assert.Equal(Features.FeatureCatalog.All.Select(f => f.Name).Order(), live.Keys.Order());
    }
}
