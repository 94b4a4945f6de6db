using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Rendering;

/// <summary>
/// The BGP control plane v2 objects (bgp-control-plane-v2.rst; schemas in cilium/crds/): one
/// CiliumBGPClusterConfig peering every node with the configured routers, one CiliumBGPPeerConfig
/// selecting advertisements by label, and — with <c>advertisePodCidr</c> — a CiliumBGPAdvertisement
/// of the pod CIDRs. <c>cilium.io/v2</c> is the storage version of these CRDs in 1.18 (v2alpha1 is
/// deprecated, cilium/NOTES.md). All three kinds are cluster-scoped, so no namespace.
/// </summary>
public static class BgpResourceBuilder
{
    public const string ApiVersion = "cilium.io/v2";

    /// <summary>Label the peer config selects advertisements by; other advertisements may use it too.</summary>
    public const string AdvertiseLabelKey = "advertise";
    public const string AdvertiseLabelValue = "bgp";

    /// <summary>The BGP port; listening on it needs <c>NET_BIND_SERVICE</c>, which the values add.</summary>
    public const int BgpPort = 179;

    public static IReadOnlyList<YamlMap> Build(ClusterProfile cluster, BgpSettings bgp)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(bgp);
        if (!bgp.Enabled) return [];
        if (bgp.LocalAsn is not { } localAsn)
            throw new ArgumentException("BGP is enabled without a local ASN; validation must refuse this first.", nameof(bgp));

        var names = new BgpObjectNames(cluster.HelmRelease.Name);
        var documents = new List<YamlMap>
        {
            ClusterConfig(names, localAsn, bgp.Peers),
            PeerConfig(names),
        };
        if (bgp.AdvertisePodCidr) documents.Add(PodCidrAdvertisement(names));
        return documents;
    }

    private static YamlMap ClusterConfig(BgpObjectNames names, long localAsn, IReadOnlyList<BgpPeer> peers) =>
        Object("CiliumBGPClusterConfig", names.ClusterConfig, labels: null, new YamlMap()
            .Add("bgpInstances", YamlList.Of(new YamlMap()
                .Add("name", $"instance-{localAsn}")
                .Add("localASN", localAsn)
                // Listening lets the router open the session too, not only the nodes.
                .Add("localPort", BgpPort)
                .Add("peers", new YamlList(peers.Select(peer => (YamlValue)new YamlMap()
                    .Add("name", peer.Name)
                    .Add("peerASN", peer.PeerAsn)
                    .Add("peerAddress", peer.Address)
                    .Add("peerConfigRef", new YamlMap().Add("name", names.PeerConfig))).ToArray())))));

    private static YamlMap PeerConfig(BgpObjectNames names) =>
        Object("CiliumBGPPeerConfig", names.PeerConfig, labels: null, new YamlMap()
            .Add("families", YamlList.Of(new YamlMap()
                .Add("afi", "ipv4")
                .Add("safi", "unicast")
                .Add("advertisements", new YamlMap()
                    .Add("matchLabels", new YamlMap().Add(AdvertiseLabelKey, AdvertiseLabelValue))))));

    // The CRD forbids a selector for PodCIDR ("selector field is not allowed for the 'PodCIDR'
    // advertisementType"): each node advertises its own pod CIDR.
    private static YamlMap PodCidrAdvertisement(BgpObjectNames names) =>
        Object("CiliumBGPAdvertisement", names.PodCidrAdvertisement,
            new YamlMap().Add(AdvertiseLabelKey, AdvertiseLabelValue),
            new YamlMap().Add("advertisements", YamlList.Of(new YamlMap().Add("advertisementType", "PodCIDR"))));

    private static YamlMap Object(string kind, string name, YamlMap? labels, YamlMap spec)
    {
        var metadata = new YamlMap().Add("name", name);
        if (labels is not null) metadata.Add("labels", labels);
        return new YamlMap()
            .Add("apiVersion", ApiVersion)
            .Add("kind", kind)
            .Add("metadata", metadata)
            .Add("spec", spec);
    }

    /// <summary>Object names derive from the release name, so two renders of one cluster agree.</summary>
    public sealed record BgpObjectNames(string Base)
    {
        public string ClusterConfig => Base;
        public string PeerConfig => $"{Base}-peer";
        public string PodCidrAdvertisement => $"{Base}-pod-cidr";
    }
}
