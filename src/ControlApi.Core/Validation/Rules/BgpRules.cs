using System.Net;
using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>
/// The BGP control plane and its peers. The requirements (an ASN, a peer) apply only while BGP is
/// on; the values themselves are checked even while it is off, because they are stored and a later
/// "enable bgp" (the features endpoint flips only <c>enabled</c>) would render them as they are.
/// Settings kept while BGP is off are normal (the seed cluster does it) and get no warning.
/// </summary>
internal static class BgpRules
{
    // cilium/NOTES.md: CRD versions — ciliumbgpclusterconfigs.yaml localASN/peerASN `maximum: 4294967295`;
    // SPEC §2 "ASNs in 1..4294967295" (peerASN 0 would mean "accept any", which ControlApi does not offer).
    private const long MinimumAsn = 1;
    private const long MaximumAsn = 4_294_967_295;

    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var bgp = context.Desired.Bgp;

        if (bgp is { Enabled: true, LocalAsn: null })
            yield return Issue.Error(BgpLocalAsnRequired, SettingsPointers.BgpLocalAsn, ValidationMessages.BgpLocalAsnRequired);

        if (bgp.LocalAsn is { } localAsn && !IsAsn(localAsn))
            yield return AsnOutOfRange(SettingsPointers.BgpLocalAsn, localAsn);

        if (bgp.Enabled && bgp.Peers.Count == 0)
            yield return Issue.Error(BgpPeerRequired, SettingsPointers.BgpPeers, ValidationMessages.BgpPeerRequired);

        foreach (var issue in PeerRules(bgp.Peers))
            yield return issue;

        // cilium/NOTES.md: BGP control plane — "localPort: 179 needs CAP_NET_BIND_SERVICE … not in the Talos list";
        // the renderer adds it, and SPEC §2 says never silently.
        if (bgp.Enabled)
            yield return Issue.Warning(BgpAddsNetBindService, SettingsPointers.BgpEnabled, ValidationMessages.BgpAddsNetBindService);
    }

    private static IEnumerable<ValidationIssue> PeerRules(IReadOnlyList<BgpPeer> peers)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPAddress>();
        for (var i = 0; i < peers.Count; i++)
        {
            var peer = peers[i];

            // Peer names become Kubernetes object names (CiliumBGPPeerConfig), so they must be RFC 1123 labels.
            var namePointer = SettingsPointers.BgpPeerName(i);
            if (!KubernetesNames.IsDnsLabel(peer.Name))
                yield return Issue.Error(BgpPeerNameInvalid, namePointer, ValidationMessages.BgpPeerNameInvalid,
                    Display.Member(namePointer), Display.Quote(peer.Name));
            else if (!names.Add(peer.Name))
                // ciliumbgpclusterconfigs.yaml: peer name "is a unique identifier for the peer within the BGP instance".
                yield return Issue.Error(BgpPeerNameDuplicate, namePointer, ValidationMessages.BgpPeerNameDuplicate,
                    Display.Member(namePointer), Display.Quote(peer.Name));

            // ciliumbgpclusterconfigs.yaml: peerAddress "is the IP address of the neighbor. Supports IPv4 and IPv6".
            var addressPointer = SettingsPointers.BgpPeerAddress(i);
            if (!SettingFormats.TryParsePeerAddress(peer.Address, out var address))
                yield return Issue.Error(BgpPeerAddressInvalid, addressPointer, ValidationMessages.BgpPeerAddressInvalid,
                    Display.Member(addressPointer), Display.Quote(peer.Address));
            else if (!addresses.Add(address))
                yield return Issue.Error(BgpPeerAddressDuplicate, addressPointer, ValidationMessages.BgpPeerAddressDuplicate,
                    Display.Member(addressPointer), Display.Quote(peer.Address));

            if (!IsAsn(peer.PeerAsn))
                yield return AsnOutOfRange(SettingsPointers.BgpPeerAsn(i), peer.PeerAsn);
        }
    }

    private static bool IsAsn(long asn) => asn is >= MinimumAsn and <= MaximumAsn;

    private static ValidationIssue AsnOutOfRange(string pointer, long asn) =>
        Issue.Error(BgpAsnOutOfRange, pointer, ValidationMessages.BgpAsnOutOfRange, Display.Member(pointer), Display.Number(asn));
}
