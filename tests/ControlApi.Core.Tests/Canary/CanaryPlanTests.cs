using ControlApi.Core.Canary;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Canary;

/// <summary>Which changes can be tried on canary nodes, with which cilium-config keys, and how the canary renders.</summary>
public sealed class CanaryPlanTests
{
    private static readonly ClusterProfile Cluster = new() { Id = "test" };
    private static readonly CiliumSettings Defaults = CiliumSettings.Defaults;

    [Fact]
    public void A_tunnel_protocol_change_is_one_cilium_config_key_with_its_new_value()
    {
        var desired = Defaults with { Routing = Defaults.Routing with { TunnelProtocol = TunnelProtocol.Geneve } };

        var verdict = Assert.IsType<CanaryVerdict.Possible>(CanaryPlan.Decide(Cluster, Defaults, desired));

        Assert.Equal(new Dictionary<string, string> { ["tunnel-protocol"] = "geneve" }, verdict.Keys);
    }

    [Fact]
    public void Turning_the_host_firewall_on_is_a_canary_of_its_key()
    {
        var desired = Defaults with { HostFirewall = new HostFirewallSettings { Enabled = true } };

        var verdict = Assert.IsType<CanaryVerdict.Possible>(CanaryPlan.Decide(Cluster, Defaults, desired));

        Assert.Equal("true", verdict.Keys["enable-host-firewall"]);
    }

    public static TheoryData<string, CiliumSettings, CiliumSettings, string> Impossible => new()
    {
        { "chart", Defaults, Defaults with { ChartVersion = "1.18.3" }, "chart version" },
        { "relay", Defaults, Defaults with { Hubble = Defaults.Hubble with { Relay = true } }, "hubble.relay.enabled" },
        { "talos", Defaults, Defaults with { Talos = new TalosSettings { ForwardKubeDnsToHost = false } }, "Talos machine-config patch" },
        {
            "removed key",
            Defaults with { BandwidthManager = new BandwidthManagerSettings { Enabled = true } }, Defaults,
            "removes the cilium-config key enable-bandwidth-manager"
        },
        { "nothing", Defaults, Defaults, "changes no cilium-config key" },
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public void A_change_a_CiliumNodeConfig_cannot_carry_is_no_canary_and_says_why(string _, CiliumSettings previous, CiliumSettings desired, string why)
    {
        var verdict = Assert.IsType<CanaryVerdict.Impossible>(CanaryPlan.Decide(Cluster, previous, desired));

        Assert.Contains(verdict.Reasons, r => r.Contains(why, StringComparison.Ordinal));
    }

    [Fact]
    public void The_helm_values_the_config_rules_read_come_from_the_template_lines_they_quote()
    {
        var paths = CanaryPlan.ReadValuePaths();

        Assert.Contains("tunnelProtocol", paths);
        Assert.Contains("encryption.enabled", paths);
        Assert.Contains("bandwidthManager", paths);
        Assert.Contains("cgroup.hostRoot", paths);
        Assert.DoesNotContain("hubble.relay.enabled", paths);
    }

    [Fact]
    public void A_canary_render_keeps_the_release_and_adds_a_CiliumNodeConfig_listed_in_the_kustomization()
    {
        var canary = new CanaryOverlay(NodeSelector.Parse("kubernetes.io/hostname in (node-01,node-02,node-03)").Selector!,
            new Dictionary<string, string> { ["tunnel-protocol"] = "geneve" });

        var plain = ManifestRenderer.Render(Cluster, Defaults);
        var rendered = ManifestRenderer.Render(Cluster, Defaults, canary);

        var release = ManifestRenderer.CiliumFilePath(Cluster, ManifestRenderer.ReleaseFile);
        Assert.Equal(plain.Find(release), rendered.Find(release));
        var kustomization = YamlJson.ParseSingle(rendered.Find(ManifestRenderer.CiliumFilePath(Cluster, KustomizationBuilder.FileName))!.Content);
        Assert.Contains("canary.yaml", kustomization["resources"]!.AsArray().Select(r => r!.GetValue<string>()));

        var config = YamlJson.ParseSingle(rendered.Find(ManifestRenderer.CiliumFilePath(Cluster, ManifestRenderer.CanaryFile))!.Content);
        // The CRD's shape (cilium.io/v2 ciliumnodeconfigs.yaml): namespaced; spec.nodeSelector and spec.defaults required; defaults are strings.
        Assert.Equal("cilium.io/v2", config["apiVersion"]!.GetValue<string>());
        Assert.Equal("CiliumNodeConfig", config["kind"]!.GetValue<string>());
        Assert.Equal(Cluster.HelmRelease.Namespace, config["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal(["nodeSelector", "defaults"], config["spec"]!.AsObject().Select(p => p.Key));
        Assert.Equal("geneve", config["spec"]!["defaults"]!["tunnel-protocol"]!.GetValue<string>());
        Assert.All(config["spec"]!["defaults"]!.AsObject(), p => Assert.Matches("^[a-zA-Z0-9_.-]+$", p.Key));
        Assert.Equal(["node-01", "node-02", "node-03"], config["spec"]!["nodeSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => v!.GetValue<string>()));

        // The next plain render drops the file: it is one of the paths ControlApi owns.
        Assert.Contains(ManifestRenderer.CiliumFilePath(Cluster, ManifestRenderer.CanaryFile), plain.StalePaths);
    }
}
