using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Tests.Rendering.Support;
using Shared = ControlApi.Tests.Shared;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>The seed cluster (goldentooth, Talos 1.13) in its final state from SPEC §2 renders what it ran.</summary>
public sealed class SeedClusterTests
{
    /// <summary>SPEC §2's example (<see cref="Shared.SeedSettings.Json"/>), parsed.</summary>
    public static CiliumSettings SeedSettings => SettingsJson.Parse(Shared.SeedSettings.Json).Settings
        ?? throw new InvalidOperationException("The SPEC example must parse.");

    public static ClusterProfile SeedCluster => new() { Id = "goldentooth", Talos = new TalosFacts { Version = TalosVersion.Parse("1.13") } };

    /// <summary>The seed's Helm values, key for key: the Talos install values plus each feature it turned on.</summary>
    private const string SeedValues = """
        {
          "bandwidthManager": { "bbr": true, "bbrHostNamespaceOnly": false, "enabled": true },
          "bgpControlPlane": { "enabled": false },
          "bpf": { "hostLegacyRouting": false, "masquerade": true },
          "cgroup": { "autoMount": { "enabled": false }, "hostRoot": "/sys/fs/cgroup" },
          "encryption": { "enabled": true, "nodeEncryption": false, "type": "wireguard" },
          "hostFirewall": { "enabled": true },
          "hubble": {
            "enabled": true,
            "relay": { "enabled": true },
            "ui": {
              "enabled": true,
              "service": {
                "annotations": { "external-dns.alpha.kubernetes.io/hostname": "hubble.goldentooth.net" },
                "type": "LoadBalancer"
              }
            }
          },
          "ipam": { "mode": "kubernetes" },
          "k8sServiceHost": "localhost",
          "k8sServicePort": 7445,
          "kubeProxyReplacement": "true",
          "l7Proxy": true,
          "operator": { "rollOutPods": true },
          "rollOutCiliumPods": true,
          "routingMode": "tunnel",
          "securityContext": {
            "capabilities": {
              "ciliumAgent": ["CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
              "cleanCiliumState": ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"]
            }
          },
          "tunnelProtocol": "vxlan"
        }
        """;

    private static JsonNode RenderedRelease() =>
        YamlJson.ParseSingle(ManifestRenderer.Render(SeedCluster, SeedSettings).Find("gitops/infrastructure/cilium/release.yaml")!.Content);

    [Fact]
    public void The_seed_settings_render_the_seed_values_key_for_key()
    {
        var values = RenderedRelease()["spec"]!["values"]!;
        var expected = JsonNode.Parse(SeedValues)!;
        Assert.True(JsonNode.DeepEquals(expected, values),
            $"expected\n{expected.ToJsonString()}\nrendered\n{values.ToJsonString()}");
    }

    [Fact]
    public void The_seed_release_installs_chart_1_18_2_from_the_cilium_repository()
    {
        var release = RenderedRelease();
        Assert.Equal("cilium", release["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("kube-system", release["metadata"]!["namespace"]!.GetValue<string>());
        var chart = release["spec"]!["chart"]!["spec"]!;
        Assert.Equal("cilium", chart["chart"]!.GetValue<string>());
        Assert.Equal("1.18.2", chart["version"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"kind":"HelmRepository","name":"cilium","namespace":"flux-system"}"""), chart["sourceRef"]));
        Assert.Equal("15m", release["spec"]!["timeout"]!.GetValue<string>());
        Assert.Equal(3, release["spec"]!["install"]!["remediation"]!["retries"]!.GetValue<long>());
        Assert.Equal(3, release["spec"]!["upgrade"]!["remediation"]!["retries"]!.GetValue<long>());
        Assert.True(release["spec"]!["upgrade"]!["remediation"]!["remediateLastFailure"]!.GetValue<bool>());
    }

    [Fact]
    public void The_seed_folder_has_the_four_files_of_the_story_minus_the_kube_system_namespace()
    {
        var paths = ManifestRenderer.Render(SeedCluster, SeedSettings).Files.Select(f => f.Path);
        Assert.Equal(
            [
                "gitops/infrastructure/cilium/kustomization.yaml",
                "gitops/infrastructure/cilium/release.yaml",
                "gitops/infrastructure/cilium/repository.yaml",
                "talos/patches/cilium.yaml",
            ],
            paths);
    }

    [ReferenceFact]
    public void The_seed_Talos_patch_means_what_Talos_own_cilium_kubeproxy_patch_means()
    {
        var rendered = YamlJson.ParseDocuments(ManifestRenderer.Render(SeedCluster, SeedSettings).Find("talos/patches/cilium.yaml")!.Content);
        var reference = YamlJson.ParseDocuments(ReferenceData.Read("talos", "patches", "v1.13.9", "cilium-kubeproxy.yaml"));
        AssertSameDocuments(reference, rendered);
    }

    [ReferenceFact]
    public void On_Talos_1_14_the_patch_means_what_Talos_own_1_14_patch_means_and_has_no_v1alpha1_fields()
    {
        var cluster = SeedCluster with { Talos = new TalosFacts { Version = TalosVersion.Parse("v1.14.0") } };
        var rendered = YamlJson.ParseDocuments(ManifestRenderer.Render(cluster, SeedSettings).Find("talos/patches/cilium.yaml")!.Content);
        var reference = YamlJson.ParseDocuments(ReferenceData.Read("talos", "patches", "v1.14.0-rc.1", "cilium-kubeproxy.yaml"));
        AssertSameDocuments(reference, rendered);
        Assert.DoesNotContain(rendered, d => d?["cluster"] is not null);
    }

    private static void AssertSameDocuments(IReadOnlyList<JsonNode?> expected, IReadOnlyList<JsonNode?> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(JsonNode.DeepEquals(expected[i], actual[i]), $"document {i}: expected {expected[i]?.ToJsonString()} got {actual[i]?.ToJsonString()}");
    }
}
