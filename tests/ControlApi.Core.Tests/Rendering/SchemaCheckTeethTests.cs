using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>
/// The schema checks the conformance tests rely on do reject what the API server, Helm or Talos
/// would reject (or silently drop): each case breaks one rendered object in one way.
/// </summary>
public sealed class SchemaCheckTeethTests
{
    private static readonly ClusterProfile Cluster = new() { Id = "teeth" };

    private static JsonNode Rendered(string fileName, CiliumSettings? settings = null, int document = 0)
    {
        var file = ManifestRenderer.Render(Cluster, settings ?? CiliumSettings.Defaults).Find(ManifestRenderer.CiliumFilePath(Cluster, fileName))!;
        return YamlJson.ParseDocuments(file.Content)[document]!;
    }

    private static readonly CiliumSettings WithBgp = CiliumSettings.Defaults with
    {
        Bgp = new BgpSettings { Enabled = true, LocalAsn = 64512, Peers = [new BgpPeer { Name = "router", Address = "10.4.0.1", PeerAsn = 64513 }] },
    };

    public static TheoryData<string, string> BrokenReleases => new()
    {
        { "misspelt spec key (the API server would prune it)", """{"spec":{"intervall":"5m"}}""" },
        { "interval that is not a Go duration", """{"spec":{"interval":"30 minutes"}}""" },
        { "chart together with chartRef", """{"spec":{"chartRef":{"kind":"OCIRepository","name":"cilium"}}}""" },
        { "source kind Flux does not know", """{"spec":{"chart":{"spec":{"sourceRef":{"kind":"HelmRepo"}}}}}""" },
        { "wrong apiVersion", """{"apiVersion":"helm.toolkit.fluxcd.io/v2beta1"}""" },
        { "upper-case name", """{"metadata":{"name":"Cilium"}}""" },
        { "unknown metadata field", """{"metadata":{"uid":"x"}}""" },
        { "remediation retries as text", """{"spec":{"upgrade":{"remediation":{"retries":"3"}}}}""" },
    };

    [ReferenceTheory]
    [MemberData(nameof(BrokenReleases))]
    public void A_broken_HelmRelease_is_rejected(string why, string patch)
    {
        var release = Merge(Rendered(ManifestRenderer.ReleaseFile), patch);
        Assert.True(ReferenceSchemas.HelmRelease.Errors(release).Count > 0, why);
    }

    [ReferenceFact]
    public void A_HelmRelease_without_namespace_or_chart_is_rejected()
    {
        var release = Rendered(ManifestRenderer.ReleaseFile).AsObject();
        release["metadata"]!.AsObject().Remove("namespace");
        release["spec"]!.AsObject().Remove("chart");
        Assert.True(ReferenceSchemas.HelmRelease.Errors(release).Count >= 2);
    }

    [ReferenceFact]
    public void A_HelmRepository_with_a_non_http_url_is_rejected()
    {
        var repository = Merge(Rendered(ManifestRenderer.RepositoryFile), """{"spec":{"url":"ftp://helm.cilium.io/"}}""");
        Assert.NotEmpty(ReferenceSchemas.HelmRepository.Errors(repository));
    }

    [ReferenceFact]
    public void Values_of_the_wrong_type_fail_the_chart_schema_and_misspelt_keys_fail_the_closed_one()
    {
        var values = Rendered(ManifestRenderer.ReleaseFile)["spec"]!["values"]!;
        Assert.Empty(ReferenceSchemas.CiliumValues.Errors(values));
        Assert.Empty(ReferenceSchemas.CiliumValuesStrict.Errors(values));

        Assert.NotEmpty(ReferenceSchemas.CiliumValues.Errors(Merge(values, """{"hubble":{"enabled":"yes"}}""")));

        var misspelt = Merge(values, """{"hubble":{"relay":{"enbled":true}}}""");
        Assert.Empty(ReferenceSchemas.CiliumValues.Errors(misspelt)); // the upstream schema is open
        Assert.NotEmpty(ReferenceSchemas.CiliumValuesStrict.Errors(misspelt));

        Assert.NotEmpty(ReferenceSchemas.CiliumValuesStrict.Errors(Merge(values, """{"kubeProxyReplacement":"strict"}""")));
        Assert.NotEmpty(ReferenceSchemas.CiliumValuesStrict.Errors(Merge(values, """{"kubeProxyReplacement":true}""")));
    }

    public static TheoryData<string, string, int> BrokenBgp => new()
    {
        { "peer address that is not an IP", """{"spec":{"bgpInstances":[{"peers":[{"peerAddress":"router.lan"}]}]}}""", 0 },
        { "local ASN 0", """{"spec":{"bgpInstances":[{"localASN":0}]}}""", 0 },
        { "peer ASN above 32 bits", """{"spec":{"bgpInstances":[{"peers":[{"peerASN":4294967296}]}]}}""", 0 },
        { "namespace on a cluster-scoped object", """{"metadata":{"namespace":"kube-system"}}""", 0 },
        { "address family Cilium does not know", """{"spec":{"families":[{"afi":"ipv5"}]}}""", 1 },
        { "selector on a PodCIDR advertisement (CEL rule)", """{"spec":{"advertisements":[{"selector":{"matchLabels":{"a":"b"}}}]}}""", 2 },
        { "timers the CEL comparison would need (fail-closed)", """{"spec":{"timers":{"holdTimeSeconds":90}}}""", 1 },
    };

    [ReferenceTheory]
    [MemberData(nameof(BrokenBgp))]
    public void A_broken_BGP_object_is_rejected(string why, string patch, int document)
    {
        var broken = Merge(Rendered(ManifestRenderer.BgpFile, WithBgp, document), patch);
        var kind = broken["kind"]!.GetValue<string>();
        Assert.True(ReferenceSchemas.CiliumBgp(kind).Errors(broken).Count > 0, why);
    }

    [ReferenceFact]
    public void Two_BGP_peers_with_one_name_break_the_list_map_keys()
    {
        var twice = WithBgp with
        {
            Bgp = WithBgp.Bgp with { Peers = [.. WithBgp.Bgp.Peers, new BgpPeer { Name = "router", Address = "10.4.0.2", PeerAsn = 64514 }] },
        };
        var config = Rendered(ManifestRenderer.BgpFile, twice, 0);
        var errors = ReferenceSchemas.CiliumBgp("CiliumBGPClusterConfig").Errors(config);
        Assert.Contains(errors, e => e.Contains("share the map key", StringComparison.Ordinal));
    }

    [ReferenceFact]
    public void Each_Talos_layout_is_rejected_by_the_other_versions_schema()
    {
        var old = YamlJson.ParseDocuments(ReferenceData.Read("talos", "patches", "v1.13.9", "cilium-kubeproxy.yaml"));
        var multi = YamlJson.ParseDocuments(ReferenceData.Read("talos", "patches", "v1.14.0-rc.1", "cilium-kubeproxy.yaml"));

        Assert.All(old, d => Assert.Empty(ReferenceSchemas.TalosV1_13.Errors(d)));
        Assert.All(multi, d => Assert.Empty(ReferenceSchemas.TalosV1_14.Errors(d)));
        // 1.14 hides cluster.network and cluster.proxy from its schema; 1.13 has no such documents.
        Assert.NotEmpty(old.SelectMany(d => ReferenceSchemas.TalosV1_14.Errors(d)));
        Assert.All(multi, d => Assert.NotEmpty(ReferenceSchemas.TalosV1_13.Errors(d)));
    }

    public static TheoryData<string, string> BrokenTalosDocuments => new()
    {
        { "CNI name outside the enum", "cluster:\n  network:\n    cni:\n      name: cilium\n" },
        { "misspelt field", "cluster:\n  proxy:\n    disable: true\n" },
        { "wrong type", "cluster:\n  proxy:\n    disabled: \"true\"\n" },
        { "patch directive other than delete", "apiVersion: v1alpha1\nkind: KubeFlannelCNIConfig\n$patch: replace\n" },
        { "a delete that also sets fields", "apiVersion: v1alpha1\nkind: KubeProxyConfig\nenabled: false\n$patch: delete\n" },
        { "document kind Talos does not know", "apiVersion: v1alpha1\nkind: KubeProxyConfiguration\nenabled: false\n" },
    };

    [ReferenceTheory]
    [MemberData(nameof(BrokenTalosDocuments))]
    public void A_broken_Talos_patch_document_is_rejected(string why, string yaml)
    {
        var document = YamlJson.ParseSingle(yaml);
        var validator = document["kind"] is null ? ReferenceSchemas.TalosV1_13 : ReferenceSchemas.TalosV1_14;
        Assert.True(validator.Errors(document).Count > 0, why);
    }

    /// <summary>RFC 7396 merge of a JSON patch into a copy of <paramref name="target"/>; arrays merge item by item here, to reach inside lists.</summary>
    private static JsonNode Merge(JsonNode target, string patch)
    {
        var copy = target.DeepClone();
        MergeInto(copy, JsonNode.Parse(patch)!);
        return copy;

        static void MergeInto(JsonNode into, JsonNode from)
        {
            if (into is JsonObject o && from is JsonObject p)
            {
                foreach (var (key, value) in p)
                {
                    if (value is JsonObject or JsonArray && o[key] is { } existing && existing.GetValueKind() == value.GetValueKind())
                        MergeInto(existing, value);
                    else
                        o[key] = value?.DeepClone();
                }
            }
            else if (into is JsonArray a && from is JsonArray q)
            {
                for (var i = 0; i < q.Count; i++)
                {
                    if (i < a.Count && a[i] is { } existing && q[i] is { } item && existing.GetValueKind() == item.GetValueKind() && item is JsonObject)
                        MergeInto(existing, item);
                    else if (i < a.Count) a[i] = q[i]?.DeepClone();
                    else a.Add(q[i]?.DeepClone());
                }
            }
        }
    }
}
