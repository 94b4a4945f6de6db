using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>Which files a render writes, where, and what the folder-level objects say.</summary>
public sealed class ManifestRendererTests
{
    private static readonly ClusterProfile Cluster = new() { Id = "test" };

    private static readonly CiliumSettings BgpOn = CiliumSettings.Defaults with
    {
        Bgp = new BgpSettings
        {
            Enabled = true,
            LocalAsn = 64512,
            Peers =
            [
                new BgpPeer { Name = "router", Address = "10.4.0.1", PeerAsn = 64513 },
                new BgpPeer { Name = "backup", Address = "fd00::1", PeerAsn = 4200000000 },
            ],
        },
    };

    private static JsonNode? Document(RenderedManifests rendered, string name, int index = 0) =>
        YamlJson.ParseDocuments(rendered.Find(ManifestRenderer.CiliumFilePath(Cluster, name))!.Content)[index];

    [Fact]
    public void No_namespace_file_is_rendered_for_kube_system_and_one_is_for_any_other_release_namespace()
    {
        Assert.Null(ManifestRenderer.Render(Cluster, CiliumSettings.Defaults).Find("gitops/infrastructure/cilium/namespace.yaml"));

        var elsewhere = Cluster with { HelmRelease = new ObjectRef("cilium-system", "cilium") };
        var rendered = ManifestRenderer.Render(elsewhere, CiliumSettings.Defaults);
        var ns = YamlJson.ParseSingle(rendered.Find("gitops/infrastructure/cilium/namespace.yaml")!.Content);
        Assert.Equal("Namespace", ns["kind"]!.GetValue<string>());
        Assert.Equal("cilium-system", ns["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("privileged", ns["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]!.GetValue<string>());
        Assert.Equal("cilium-system", YamlJson.ParseSingle(rendered.Find("gitops/infrastructure/cilium/release.yaml")!.Content)["metadata"]!["namespace"]!.GetValue<string>());
    }

    [ReferenceTheory]
    [InlineData("disabled")]
    [InlineData("warn")]
    [InlineData("enabled")]
    public void A_configured_drift_detection_mode_is_rendered_into_the_HelmRelease_as_the_CRD_allows(string mode)
    {
        var release = YamlJson.ParseSingle(ManifestRenderer.Render(Cluster with { HelmDriftDetection = mode }, CiliumSettings.Defaults)
            .Find("gitops/infrastructure/cilium/release.yaml")!.Content);

        Assert.Equal(mode, release["spec"]!["driftDetection"]!["mode"]!.GetValue<string>());
        Assert.Empty(ReferenceSchemas.HelmRelease.Errors(release));
        // Unset, the field is left out: helm-controller's own default applies.
        var plain = YamlJson.ParseSingle(ManifestRenderer.Render(Cluster, CiliumSettings.Defaults).Find("gitops/infrastructure/cilium/release.yaml")!.Content);
        Assert.Null(plain["spec"]!["driftDetection"]);
    }

    [ReferenceFact]
    public void The_drift_detection_modes_ControlApi_accepts_are_the_CRD_enum_and_no_other()
    {
        Assert.Equal(["disabled", "warn", "enabled"], FluxResourceBuilder.DriftDetectionModes);
        var unknown = YamlJson.ParseSingle(ManifestRenderer.Render(Cluster with { HelmDriftDetection = "correct" }, CiliumSettings.Defaults)
            .Find("gitops/infrastructure/cilium/release.yaml")!.Content);
        Assert.NotEmpty(ReferenceSchemas.HelmRelease.Errors(unknown));
    }

    [Fact]
    public void The_kustomization_lists_exactly_the_other_files_of_the_folder_sorted()
    {
        var elsewhere = Cluster with { HelmRelease = new ObjectRef("cilium-system", "cilium") };
        var rendered = ManifestRenderer.Render(elsewhere, BgpOn);
        var kustomization = YamlJson.ParseSingle(rendered.Find("gitops/infrastructure/cilium/kustomization.yaml")!.Content);
        Assert.Equal(["bgp.yaml", "namespace.yaml", "release.yaml", "repository.yaml"],
            kustomization["resources"]!.AsArray().Select(r => r!.GetValue<string>()));

        var minimal = YamlJson.ParseSingle(ManifestRenderer.Render(Cluster, CiliumSettings.Defaults).Find("gitops/infrastructure/cilium/kustomization.yaml")!.Content);
        Assert.Equal(["release.yaml", "repository.yaml"], minimal["resources"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public void Files_the_render_no_longer_produces_are_reported_stale_so_they_get_deleted()
    {
        var on = ManifestRenderer.Render(Cluster, BgpOn);
        var off = ManifestRenderer.Render(Cluster, CiliumSettings.Defaults);
        Assert.DoesNotContain("gitops/infrastructure/cilium/bgp.yaml", on.StalePaths);
        Assert.Contains("gitops/infrastructure/cilium/bgp.yaml", off.StalePaths);
        Assert.Contains("gitops/infrastructure/cilium/namespace.yaml", off.StalePaths);
        Assert.Equal(off.OwnedPaths.Order(StringComparer.Ordinal), off.Files.Select(f => f.Path).Concat(off.StalePaths).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("./clusters/prod/cilium/", "clusters/prod/cilium/release.yaml")]
    [InlineData("clusters\\prod\\cilium", "clusters/prod/cilium/release.yaml")]
    [InlineData("/cilium", "cilium/release.yaml")]
    public void Configured_paths_become_repository_relative_with_forward_slashes(string ciliumPath, string releasePath)
    {
        var rendered = ManifestRenderer.Render(Cluster with { CiliumPath = ciliumPath, TalosPatchPath = "./talos/cilium.yaml" }, CiliumSettings.Defaults);
        Assert.NotNull(rendered.Find(releasePath));
        Assert.NotNull(rendered.Find("talos/cilium.yaml"));
    }

    [Fact]
    public void Without_a_chart_version_in_the_settings_the_clusters_version_is_installed()
    {
        var pinned = Cluster with { Chart = new ChartSource { Version = "1.18.7", Repository = "https://charts.example/cilium" } };
        var release = YamlJson.ParseSingle(ManifestRenderer.Render(pinned, CiliumSettings.Defaults).Find("gitops/infrastructure/cilium/release.yaml")!.Content);
        Assert.Equal("1.18.7", release["spec"]!["chart"]!["spec"]!["version"]!.GetValue<string>());
        var own = YamlJson.ParseSingle(ManifestRenderer.Render(pinned, CiliumSettings.Defaults with { ChartVersion = "1.18.3" }).Find("gitops/infrastructure/cilium/release.yaml")!.Content);
        Assert.Equal("1.18.3", own["spec"]!["chart"]!["spec"]!["version"]!.GetValue<string>());
        var repository = YamlJson.ParseSingle(ManifestRenderer.Render(pinned, CiliumSettings.Defaults).Find("gitops/infrastructure/cilium/repository.yaml")!.Content);
        Assert.Equal("https://charts.example/cilium", repository["spec"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void The_HelmRelease_points_at_the_configured_HelmRepository_with_the_configured_timings()
    {
        var cluster = Cluster with
        {
            HelmRepository = new ObjectRef("sources", "cilium-charts"),
            Flux = new FluxTimings { HelmRepositoryInterval = TimeSpan.FromHours(12), HelmReleaseInterval = TimeSpan.FromMinutes(5), HelmReleaseTimeout = TimeSpan.FromMinutes(90) },
        };
        var rendered = ManifestRenderer.Render(cluster, CiliumSettings.Defaults);
        var repository = YamlJson.ParseSingle(rendered.Find("gitops/infrastructure/cilium/repository.yaml")!.Content);
        var release = YamlJson.ParseSingle(rendered.Find("gitops/infrastructure/cilium/release.yaml")!.Content);
        Assert.Equal("sources", repository["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("cilium-charts", repository["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("12h", repository["spec"]!["interval"]!.GetValue<string>());
        Assert.Equal("5m", release["spec"]!["interval"]!.GetValue<string>());
        Assert.Equal("1h30m", release["spec"]!["timeout"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"kind":"HelmRepository","name":"cilium-charts","namespace":"sources"}"""),
            release["spec"]!["chart"]!["spec"]!["sourceRef"]));
    }

    [Fact]
    public void BGP_peers_every_router_through_one_peer_config_that_selects_the_pod_cidr_advertisement()
    {
        var rendered = ManifestRenderer.Render(Cluster, BgpOn);
        var documents = YamlJson.ParseDocuments(rendered.Find("gitops/infrastructure/cilium/bgp.yaml")!.Content);
        Assert.Equal(["CiliumBGPClusterConfig", "CiliumBGPPeerConfig", "CiliumBGPAdvertisement"], documents.Select(d => d!["kind"]!.GetValue<string>()));
        Assert.All(documents, d => Assert.Equal("cilium.io/v2", d!["apiVersion"]!.GetValue<string>()));

        var instance = documents[0]!["spec"]!["bgpInstances"]![0]!;
        Assert.Equal(64512, instance["localASN"]!.GetValue<long>());
        Assert.Equal(179, instance["localPort"]!.GetValue<long>());
        var peers = instance["peers"]!.AsArray();
        Assert.Equal(["router", "backup"], peers.Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal(["10.4.0.1", "fd00::1"], peers.Select(p => p!["peerAddress"]!.GetValue<string>()));
        Assert.Equal([64513L, 4200000000L], peers.Select(p => p!["peerASN"]!.GetValue<long>()));
        var peerConfigName = documents[1]!["metadata"]!["name"]!.GetValue<string>();
        Assert.All(peers, p => Assert.Equal(peerConfigName, p!["peerConfigRef"]!["name"]!.GetValue<string>()));

        var selector = documents[1]!["spec"]!["families"]![0]!["advertisements"]!["matchLabels"]!.AsObject();
        var labels = documents[2]!["metadata"]!["labels"]!.AsObject();
        Assert.All(selector, s => Assert.Equal(s.Value!.GetValue<string>(), labels[s.Key]!.GetValue<string>()));
        Assert.Equal("PodCIDR", documents[2]!["spec"]!["advertisements"]![0]!["advertisementType"]!.GetValue<string>());
    }

    [Fact]
    public void Without_pod_cidr_advertising_no_advertisement_object_is_rendered()
    {
        var rendered = ManifestRenderer.Render(Cluster, BgpOn with { Bgp = BgpOn.Bgp with { AdvertisePodCidr = false } });
        var kinds = YamlJson.ParseDocuments(rendered.Find("gitops/infrastructure/cilium/bgp.yaml")!.Content).Select(d => d!["kind"]!.GetValue<string>());
        Assert.Equal(["CiliumBGPClusterConfig", "CiliumBGPPeerConfig"], kinds);
    }

    [Theory]
    [InlineData("1.5", false)]
    [InlineData("1.13", false)]
    [InlineData("1.14", true)]
    [InlineData("1.15", true)]
    public void The_Talos_patch_uses_exactly_one_layout_by_version(string version, bool multiDocument)
    {
        var rendered = ManifestRenderer.Render(Cluster with { Talos = new TalosFacts { Version = TalosVersion.Parse(version) } }, CiliumSettings.Defaults);
        var documents = YamlJson.ParseDocuments(rendered.Find("talos/patches/cilium.yaml")!.Content);
        var hasV1Alpha1 = documents.Any(d => d!["cluster"] is not null);
        var hasDocuments = documents.Any(d => d!["kind"] is not null);
        Assert.Equal(multiDocument, hasDocuments);
        Assert.Equal(!multiDocument, hasV1Alpha1);
    }
}
