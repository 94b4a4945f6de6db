using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>What the rendered Talos patch turns on besides removing Flannel and kube-proxy.</summary>
public sealed class TalosPatchTests
{
    private static ClusterProfile Cluster(string talos, int kubePrismPort = 7445) =>
        new() { Id = "test", Talos = new TalosFacts { Version = TalosVersion.Parse(talos), KubePrismPort = kubePrismPort } };

    private static IReadOnlyList<JsonNode?> Patch(ClusterProfile cluster, CiliumSettings? settings = null) =>
        YamlJson.ParseDocuments(ManifestRenderer.Render(cluster, settings ?? CiliumSettings.Defaults).Find(cluster.TalosPatchPath)!.Content);

    [Theory]
    [InlineData(7445)]
    [InlineData(13336)]
    public void On_Talos_1_5_the_patch_turns_KubePrism_on_at_the_port_the_agents_are_pointed_at(int port)
    {
        var cluster = Cluster("1.5", port);

        var kubePrism = Assert.Single(Patch(cluster))!["machine"]?["features"]?["kubePrism"];

        Assert.NotNull(kubePrism);
        Assert.True(kubePrism["enabled"]!.GetValue<bool>());
        Assert.Equal(port, kubePrism["port"]!.GetValue<long>());
        var release = YamlJson.ParseSingle(ManifestRenderer.Render(cluster, CiliumSettings.Defaults).Find(ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.ReleaseFile))!.Content);
        Assert.Equal(port, release["spec"]!["values"]!["k8sServicePort"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("1.6")]
    [InlineData("1.13")]
    public void From_Talos_1_6_where_KubePrism_is_on_by_default_the_patch_leaves_the_machine_alone(string talos)
    {
        var document = Assert.Single(Patch(Cluster(talos)));

        Assert.Null(document!["machine"]);
    }

    [Fact]
    public void On_Talos_1_14_the_patch_renders_no_KubePrism_document_because_Talos_generates_one()
    {
        Assert.DoesNotContain(Patch(Cluster("1.14")), d => d!["kind"]?.GetValue<string>() == "KubePrismConfig");
    }

    [ReferenceFact]
    public void The_Talos_1_5_patch_validates_against_the_Talos_schema()
    {
        var errors = Patch(Cluster("1.5", 13336)).SelectMany(d => ReferenceSchemas.TalosFor(new TalosVersion(1, 5)).Errors(d)).ToList();

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
    private static CiliumSettings Forwarding(bool? forward) =>
        CiliumSettings.Defaults with { Talos = new TalosSettings { ForwardKubeDnsToHost = forward } };

    [Theory]
    [InlineData("1.8", false)]
    [InlineData("1.13", false)]
    [InlineData("1.13", true)]
    public void Up_to_Talos_1_13_the_forwarding_setting_is_rendered_in_the_v1alpha1_features(string talos, bool forward)
    {
        var document = Assert.Single(Patch(Cluster(talos), Forwarding(forward)));

        Assert.Equal(forward, document!["machine"]!["features"]!["hostDNS"]!["forwardKubeDNSToHost"]!.GetValue<bool>());
        Assert.Equal("none", document["cluster"]!["network"]!["cni"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void From_Talos_1_14_the_forwarding_setting_is_rendered_as_a_ResolverConfig_document(bool forward)
    {
        var documents = Patch(Cluster("1.14"), Forwarding(forward));

        var resolver = Assert.Single(documents, d => d!["kind"]?.GetValue<string>() == "ResolverConfig");
        Assert.Equal(forward, resolver!["hostDNS"]!["forwardKubeDNSToHost"]!.GetValue<bool>());
        Assert.DoesNotContain(documents, d => d!["machine"] is not null);
    }

    [Theory]
    [InlineData("1.13")]
    [InlineData("1.14")]
    public void Left_to_Talos_the_forwarding_is_not_rendered_and_the_patch_is_unchanged(string talos)
    {
        var cluster = Cluster(talos);

        var patch = ManifestRenderer.Render(cluster, Forwarding(null)).Find(cluster.TalosPatchPath)!.Content;

        Assert.DoesNotContain("hostDNS", patch);
        Assert.Equal(ManifestRenderer.Render(cluster, CiliumSettings.Defaults).Find(cluster.TalosPatchPath)!.Content, patch);
    }

    [ReferenceTheory]
    [InlineData("1.5", null)]
    [InlineData("1.8", false)]
    [InlineData("1.13", true)]
    [InlineData("1.14", false)]
    [InlineData("1.14", true)]
    public void Every_rendered_Talos_patch_validates_against_the_Talos_schema_of_its_version(string talos, bool? forward)
    {
        var cluster = Cluster(talos, 13336);

        var errors = Patch(cluster, Forwarding(forward)).SelectMany(d => ReferenceSchemas.TalosFor(cluster.Talos.Version).Errors(d)).ToList();

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
