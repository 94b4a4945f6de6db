namespace ControlApi.Core.Validation;

/// <summary>
/// The stable codes of every validation finding. Scripts, the chatops bot and the problem details
/// of a 422 match on these, so a value never changes once released; add a new code instead.
/// Each code has a message format of the same name in <see cref="ValidationMessages"/>.
/// </summary>
public static class ValidationCodes
{
    // Strings that reach YAML
    public const string StringNotRepresentable = "string-not-representable";

    // Chart version
    public const string ChartVersionUnsupported = "chart-version-unsupported";
    public const string ClusterChartVersionUnsupported = "cluster-chart-version-unsupported";

    // Encryption
    public const string NodeEncryptionNeedsEncryption = "node-encryption-needs-encryption";
    public const string NodeEncryptionNeedsWireguard = "node-encryption-needs-wireguard";
    public const string IpsecKeySecretRequired = "ipsec-key-secret-required";
    public const string IpsecKeySecretInvalid = "ipsec-key-secret-invalid";
    public const string IpsecWithHostFirewall = "ipsec-with-host-firewall";
    public const string IpsecWithBandwidthManager = "ipsec-with-bandwidth-manager";
    public const string EncryptionChangeRestartsAgents = "encryption-change-restarts-agents";

    // Host firewall
    public const string HostFirewallAuditFirst = "host-firewall-audit-first";
    public const string HostFirewallAuditShowsDrops = "host-firewall-audit-shows-drops";
    public const string HostFirewallAuditOverridden = "host-firewall-audit-overridden";
    public const string HostFirewallAuditModeIsClusterWide = "host-firewall-audit-mode-is-cluster-wide";
    public const string HostFirewallAuditNeedsHubble = "host-firewall-audit-needs-hubble";
    public const string HostFirewallModeWithoutHostFirewall = "host-firewall-mode-without-host-firewall";

    // Hubble
    public const string HubbleRelayNeedsHubble = "hubble-relay-needs-hubble";
    public const string HubbleUiNeedsHubble = "hubble-ui-needs-hubble";
    public const string HubbleUiNeedsRelay = "hubble-ui-needs-relay";
    public const string HubbleUiHostnameInvalid = "hubble-ui-hostname-invalid";
    public const string HubbleUiHostnameNeedsUi = "hubble-ui-hostname-needs-ui";
    public const string HubbleUiHostnameNeedsLoadBalancer = "hubble-ui-hostname-needs-load-balancer";
    public const string HubbleUiExposedWithoutAuthentication = "hubble-ui-exposed-without-authentication";

    // BGP
    public const string BgpLocalAsnRequired = "bgp-local-asn-required";
    public const string BgpPeerRequired = "bgp-peer-required";
    public const string BgpAsnOutOfRange = "bgp-asn-out-of-range";
    public const string BgpPeerNameInvalid = "bgp-peer-name-invalid";
    public const string BgpPeerNameDuplicate = "bgp-peer-name-duplicate";
    public const string BgpPeerAddressInvalid = "bgp-peer-address-invalid";
    public const string BgpPeerAddressDuplicate = "bgp-peer-address-duplicate";
    public const string BgpAddsNetBindService = "bgp-adds-net-bind-service";

    // Bandwidth manager and BBR
    public const string BbrNeedsBandwidthManager = "bbr-needs-bandwidth-manager";
    public const string BbrHostNamespaceOnlyNeedsBbr = "bbr-host-namespace-only-needs-bbr";
    public const string BbrNeedsKubeProxyReplacement = "bbr-needs-kube-proxy-replacement";
    public const string BbrNeedsBpfMasquerade = "bbr-needs-bpf-masquerade";
    public const string BbrNeedsEbpfHostRouting = "bbr-needs-ebpf-host-routing";
    public const string BbrConflictsWithTalosHostDns = "bbr-conflicts-with-talos-host-dns";

    // Routing
    public const string NativeRoutingCidrRequired = "native-routing-cidr-required";
    public const string NativeRoutingCidrInvalid = "native-routing-cidr-invalid";
    public const string NativeRoutingCidrHostBitsSet = "native-routing-cidr-host-bits-set";
    public const string NativeRoutingCidrNotPrivate = "native-routing-cidr-not-private";
    public const string NativeRoutingCidrMissesPodSubnet = "native-routing-cidr-misses-pod-subnet";
    public const string TunnelProtocolNeedsTunnelMode = "tunnel-protocol-needs-tunnel-mode";
    public const string RoutingChangeDisruptsPodTraffic = "routing-change-disrupts-pod-traffic";

    // Talos
    public const string TalosIpamMustBeKubernetes = "talos-ipam-must-be-kubernetes";
    public const string TalosKubeProxyReplacementRequired = "talos-kube-proxy-replacement-required";
    public const string TalosHostDnsNeedsLegacyHostRouting = "talos-host-dns-needs-legacy-host-routing";

    // Extra Helm values
    public const string ExtraValuesNotObject = "extra-values-not-object";
    public const string ExtraValueOwnedBySetting = "extra-value-owned-by-setting";
    public const string ExtraValueOwnedByTalos = "extra-value-owned-by-talos";
    public const string ExtraValueOwnedByControlApi = "extra-value-owned-by-controlapi";
    public const string ExtraValueInvalid = "extra-value-invalid";
    public const string ChartSchemaUnavailable = "chart-schema-unavailable";
    public const string TalosHostDnsSettingUnsupported = "talos-host-dns-setting-unsupported";
}

/// <summary>
/// Message formats, named like the code they belong to. Each says what is wrong and what to do.
/// Arguments are values already made safe for display (<see cref="Display.Quote"/>).
/// </summary>
internal static class ValidationMessages
{
    // Strings that reach YAML
    public const string StringNotRepresentable =
        "{0} contains a control character, line break or invisible formatting character ({1}); such a value could change the structure of the rendered YAML. Remove it.";

    // Chart version
    public const string ChartVersionUnsupported =
        "Chart version {0} is not supported: ControlApi's reference data covers the Cilium 1.18 chart, so chartVersion must be {1}. Use one of those, or omit chartVersion to take the cluster's configured version.";
    public const string ClusterChartVersionUnsupported =
        "chartVersion is omitted, so the cluster's configured Chart:Version {0} applies, and it is not supported: it must be {1}. Set chartVersion explicitly (PATCH /api/v1/clusters/{2}/cilium with {{\"chartVersion\":\"1.18.2\"}}), or fix Chart:Version in the cluster configuration.";

    // Encryption
    public const string NodeEncryptionNeedsEncryption =
        "encryption.nodeEncryption needs encryption.enabled: the chart renders encrypt-node only inside the encryption block. Enable encryption or turn nodeEncryption off.";
    public const string NodeEncryptionNeedsWireguard =
        "encryption.nodeEncryption only works with WireGuard (the chart's values.yaml: 'only effective when encryption.type is set to wireguard'); with IPsec the nodes would silently stay unencrypted. Use encryption.type 'wireguard' or turn nodeEncryption off.";
    public const string IpsecKeySecretRequired =
        "IPsec encryption needs encryption.ipsecKeySecret, the name of the Kubernetes Secret with the IPsec keys (it must exist in the Cilium namespace before the change). Set it, or use encryption.type 'wireguard', which needs no pre-shared keys.";
    public const string IpsecKeySecretInvalid =
        "encryption.ipsecKeySecret {0} is not a Kubernetes Secret name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters (RFC 1123 subdomain).";
    public const string IpsecWithHostFirewall =
        "IPsec cannot be used with the host firewall: the Cilium agent exits at start ('IPSec cannot be used with the host firewall'). Use encryption.type 'wireguard', or turn hostFirewall.enabled off.";
    public const string IpsecWithBandwidthManager =
        "IPsec cannot be used with the bandwidth manager: the Cilium agent turns the bandwidth manager (and BBR) off with only a log warning, so you would silently lose it. Use encryption.type 'wireguard', or turn bandwidthManager.enabled off.";
    public const string EncryptionChangeRestartsAgents =
        "Changing encryption ({0} → {1}) restarts every Cilium agent, one node at a time; while nodes disagree about encryption, pod traffic between them drops briefly. Apply it in a quiet period.";

    // Host firewall
    public const string HostFirewallAuditFirst =
        "Turning on the host firewall enforces host policies at once, and the first enforcement can drop traffic to and from the nodes (even replies). Add your CiliumClusterwideNetworkPolicy host policies first and watch them in audit mode (policy-audit-mode) before relying on enforcement: PATCH /api/v1/clusters/{0}/cilium with {{\"hostFirewall\":{{\"enabled\":true,\"mode\":\"audit\"}}}} (README: Turning on the host firewall safely).";

    public const string HostFirewallNoAuditPeriod =
        "Enforcing the host firewall is refused: {0}. A host policy that drops what a Talos node needs (API server 6443, KubePrism 7445, kubelet 10250, etcd 2379-2380, apid 50000, trustd 50001, Cilium health 4240, VXLAN 8472, Geneve 6081, WireGuard 51871) cuts nodes off. Turn on audit mode first: PATCH /api/v1/clusters/{1}/cilium with {{\"hostFirewall\":{{\"enabled\":true,\"mode\":\"audit\"}}}}, wait until the revision is Verified, watch GET /api/v1/clusters/{1}/status (hostFirewall) for at least {2}, then switch to enforce. An admin may override with X-Host-Firewall-Override: enforce and a reason in X-Change-Reason.";
    public const string HostFirewallAuditShowsDrops =
        "Enforcing the host firewall is refused: in the last {0} audit mode saw {1} group(s) of flows a Talos node needs that host policy would drop: {2}. Add rules that allow them to your host policies (CiliumClusterwideNetworkPolicy with a nodeSelector) in git, wait until GET /api/v1/clusters/{3}/status shows no required-port drops in hostFirewall, then switch to enforce. An admin may override with X-Host-Firewall-Override: enforce and a reason in X-Change-Reason.";
    public const string HostFirewallAuditOverridden =
        "The audit gate of the host firewall is overridden by an admin ({0}): enforcing although {1}. Watch the nodes closely; set the mode back to audit if they lose traffic: PATCH /api/v1/clusters/{2}/cilium with {{\"hostFirewall\":{{\"mode\":\"audit\"}}}}.";
    public const string HostFirewallAuditModeIsClusterWide =
        "Audit mode is the agents' policy-audit-mode: while it is on, no network policy is enforced anywhere in the cluster (pod policies included); would-be drops are logged as verdict AUDIT instead. GET /api/v1/clusters/{0}/status shows them under hostFirewall; set the mode to enforce (PATCH with {{\"hostFirewall\":{{\"mode\":\"enforce\"}}}}) once no required port shows up.";
    public const string HostFirewallModeWithoutHostFirewall =
        "hostFirewall.mode {0} has no effect while hostFirewall.enabled is false: nothing is rendered for it until the host firewall is on. Turn it on with the mode to audit host policies: send {{\"hostFirewall\":{{\"enabled\":true,\"mode\":\"audit\"}}}} (PATCH /api/v1/clusters/{1}/cilium).";
    public const string HostFirewallAuditNeedsHubble =
        "Audit mode logs would-be drops as Hubble flows, and Hubble is off (hubble.enabled false): ControlApi cannot see them, so enforcing stays refused for want of an audit period. Turn Hubble on: PATCH /api/v1/clusters/{0}/cilium with {{\"hubble\":{{\"enabled\":true}}}}.";

    // Hubble
    public const string HubbleRelayNeedsHubble =
        "hubble.relay needs hubble.enabled: the chart fails with 'Hubble Relay requires .Values.hubble.enabled=true'. Enable Hubble or turn the relay off.";
    public const string HubbleUiNeedsHubble =
        "hubble.ui.enabled needs hubble.enabled: the UI shows flows that Hubble collects, and the chart renders no UI without it. Enable Hubble or turn the UI off.";
    public const string HubbleUiNeedsRelay =
        "hubble.ui.enabled needs hubble.relay: the chart fails with 'Hubble UI requires .Values.hubble.relay.enabled=true'. Turn the relay on or turn the UI off.";
    public const string HubbleUiHostnameInvalid =
        "hubble.ui.hostname {0} is not a DNS name: use at least two dot-separated labels of lowercase letters, digits and '-', each 1–63 characters and not starting or ending with '-', at most 253 characters in all, and a last label that is not only digits (e.g. hubble.example.net).";
    public const string HubbleUiHostnameNeedsUi =
        "hubble.ui.hostname is set but hubble.ui.enabled is off, so no Service would carry the name. Enable the UI or remove the hostname.";
    public const string HubbleUiHostnameNeedsLoadBalancer =
        "hubble.ui.hostname needs hubble.ui.serviceType 'LoadBalancer' (it is {0}): the name is published by external-dns for the LoadBalancer's external address, and a {0} Service has none to publish. Set serviceType to LoadBalancer or remove the hostname.";
    public const string HubbleUiExposedWithoutAuthentication =
        "Hubble UI is exposed through a {0} Service: anyone who can reach it sees every network flow in the cluster, because Hubble UI has no authentication. Restrict who can reach it (firewall, LoadBalancer source ranges) or put an authenticating proxy in front, or keep it inside the cluster (kubectl port-forward): PATCH /api/v1/clusters/{1}/cilium with {{\"hubble\":{{\"ui\":{{\"serviceType\":\"ClusterIP\",\"hostname\":null}}}}}}.";

    // BGP
    public const string BgpLocalAsnRequired =
        "bgp.enabled needs bgp.localAsn. Set it to the cluster's own autonomous system number (1–4294967295; private ASNs are 64512–65534 and 4200000000–4294967294), or turn BGP off.";
    public const string BgpPeerRequired =
        "bgp.enabled needs at least one entry in bgp.peers: without a peer the routers learn no pod routes. Add a peer with name, address and peerAsn.";
    public const string BgpAsnOutOfRange =
        "{0} is {1}, but an autonomous system number must be between 1 and 4294967295. Use the ASN your network team assigned.";
    public const string BgpPeerNameInvalid =
        "{0} {1} cannot name a BGP peer: it becomes part of Kubernetes object names, so use 1–63 lowercase letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label).";
    public const string BgpPeerNameDuplicate =
        "{0} {1} is used by an earlier peer as well; peer names must be unique. Rename one of them.";
    public const string BgpPeerAddressInvalid =
        "{0} {1} is not a peer address: use one unicast IPv4 (e.g. 10.4.0.1) or IPv6 (e.g. fd00::1) address, without prefix length, port, zone or hostname.";
    public const string BgpPeerAddressDuplicate =
        "{0} {1} is the same address as an earlier peer; each router is peered once. Remove the duplicate.";
    public const string BgpAddsNetBindService =
        "BGP is on: ControlApi adds NET_BIND_SERVICE to the Cilium agent's capabilities, because a BGP router listening on port 179 needs it and the Talos capability list lacks it.";

    // Bandwidth manager and BBR
    public const string BbrNeedsBandwidthManager =
        "bandwidthManager.bbr needs bandwidthManager.enabled: the chart renders enable-bbr only when the bandwidth manager is on, so BBR would silently not happen. Enable the bandwidth manager or turn bbr off.";
    public const string BbrHostNamespaceOnlyNeedsBbr =
        "bandwidthManager.bbrHostNamespaceOnly needs bandwidthManager.bbr: the agent fails to start with enable-bbr-hostns-only but without enable-bbr. Turn bbr on or turn bbrHostNamespaceOnly off.";
    public const string BbrNeedsKubeProxyReplacement =
        "BBR for pods needs eBPF host routing, which needs kubeProxyReplacement on; otherwise the agent refuses to start ('BBR setup requires BPF host routing'). Turn kubeProxyReplacement on, or set bandwidthManager.bbrHostNamespaceOnly to use BBR for the host only.";
    public const string BbrNeedsBpfMasquerade =
        "BBR for pods needs eBPF host routing, which needs bpf.masquerade on; otherwise the agent refuses to start ('BBR setup requires BPF host routing'). Turn bpf.masquerade on, or set bandwidthManager.bbrHostNamespaceOnly to use BBR for the host only.";
    public const string BbrNeedsEbpfHostRouting =
        "BBR for pods needs eBPF host routing, but bpf.hostLegacyRouting forces legacy routing; the agent would refuse to start ('BBR setup requires BPF host routing'). Turn bpf.hostLegacyRouting off, or set bandwidthManager.bbrHostNamespaceOnly to use BBR for the host only.";
    public const string BbrConflictsWithTalosHostDns =
        "BBR for pods needs eBPF host routing, but the nodes forward kube-dns to the host DNS ({0}), which Cilium's Talos guide says does not work with eBPF host routing (it pairs host-DNS forwarding with bpf.hostLegacyRouting: true): DNS lookups from pods may fail. Either use BBR for the host only, where legacy host routing is allowed: PATCH /api/v1/clusters/{1}/cilium with {{\"bandwidthManager\":{{\"bbrHostNamespaceOnly\":true}},\"bpf\":{{\"hostLegacyRouting\":true}}}}; or turn the forwarding off in ControlApi's Talos patch: PATCH /api/v1/clusters/{1}/cilium with {{\"talos\":{{\"forwardKubeDnsToHost\":false}}}}, and apply the rendered Talos patch to the nodes.";

    // Routing
    public const string NativeRoutingCidrRequired =
        "routing.mode 'native' needs routing.ipv4NativeRoutingCidr, the IPv4 range routed without masquerading (usually the pod CIDR); the agent refuses to start without it. Set it (e.g. 10.244.0.0/16) or use routing.mode 'tunnel'.";
    public const string NativeRoutingCidrInvalid =
        "routing.ipv4NativeRoutingCidr {0} is not an IPv4 CIDR: write an IPv4 address and a prefix length 0–32, e.g. 10.244.0.0/16.";
    public const string NativeRoutingCidrHostBitsSet =
        "routing.ipv4NativeRoutingCidr {0} has bits set after the prefix, which usually means a typo. Write the network address: {1}.";
    public const string NativeRoutingCidrNotPrivate =
        "routing.ipv4NativeRoutingCidr {0} is not a private range: Cilium sends traffic to every address in it without masquerading, as if it were the pod network, so pods would lose their way to the outside addresses it covers ({1}). Use the private range of the pod network (RFC 1918 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, or RFC 6598 100.64.0.0/10): PATCH /api/v1/clusters/{2}/cilium with {3}.";
    public const string NativeRoutingCidrMissesPodSubnet =
        "routing.ipv4NativeRoutingCidr {0} does not contain the pod subnet {1} (the cluster's Talos pod subnets: {2}): traffic of the pods there would be masqueraded or sent out of the node instead of being routed to the other nodes' pods. Use a range that contains every pod subnet: PATCH /api/v1/clusters/{3}/cilium with {4}.";
    public const string TunnelProtocolNeedsTunnelMode =
        "routing.tunnelProtocol is only used in tunnel mode, but routing.mode is 'native'. Remove tunnelProtocol (set it to null) or use routing.mode 'tunnel'.";
    public const string RoutingChangeDisruptsPodTraffic =
        "Changing {0} ({1} → {2}) changes how every packet between nodes travels: pod traffic across the cluster is disrupted while the agents restart one by one. Apply it in a maintenance window.";

    // Talos
    public const string TalosIpamMustBeKubernetes =
        "On Talos, ipam.mode must be 'kubernetes' (Cilium's Talos install guide): pod CIDRs come from the Kubernetes node objects that Talos configures. Set ipam.mode to 'kubernetes'.";
    public const string TalosKubeProxyReplacementRequired =
        "kubeProxyReplacement cannot be off: ControlApi's Talos patch disables kube-proxy, so with the replacement off nothing would load-balance Services at all (no ClusterIP, NodePort or LoadBalancer traffic). Keep kubeProxyReplacement on.";
    public const string TalosHostDnsNeedsLegacyHostRouting =
        "These settings make Cilium use eBPF host routing, but the nodes forward kube-dns to the host DNS ({0}), which Cilium's Talos guide says needs bpf.hostLegacyRouting: true; DNS lookups from pods may fail. Either PATCH /api/v1/clusters/{1}/cilium with {{\"bpf\":{{\"hostLegacyRouting\":true}}}}, or turn the forwarding off in ControlApi's Talos patch: PATCH /api/v1/clusters/{1}/cilium with {{\"talos\":{{\"forwardKubeDnsToHost\":false}}}}, and apply the rendered Talos patch to the nodes.";

    // Extra Helm values
    public const string ExtraValuesNotObject =
        "extraValues must be a JSON object of Helm values. Write it as an object, e.g. {\"operator\": {\"replicas\": 2}}, or omit it.";
    public const string ExtraValueOwnedBySetting =
        "extraValues sets {0}, but {1} is decided by the typed setting {2}; one value has one place. Remove it from extraValues and set {2} instead.";
    public const string ExtraValueOwnedByTalos =
        "extraValues sets {0}, but ControlApi renders {1} from the cluster's Talos facts: {2}. It cannot be overridden; remove it from extraValues.";
    public const string ExtraValueOwnedByControlApi =
        "extraValues sets {0}, but ControlApi always renders {1}: {2}. Remove it from extraValues.";
    public const string ExtraValueInvalid =
        "extraValues {0} is refused by the values.schema.json of Cilium chart {1}: {2}. Helm would refuse the upgrade; fix or remove the value.";
    public const string ChartSchemaUnavailable =
        "ControlApi could not load the values.schema.json of Cilium chart {0}, so it cannot check extraValues the way Helm will. Either make the cluster's chart repository reachable from ControlApi, or put the chart archive into the folder ControlApi:Charts:Directory names, then retry.";
    public const string TalosHostDnsSettingUnsupported =
        "talos.forwardKubeDnsToHost is set, but the cluster's Talos is {0}: ControlApi renders host-DNS forwarding from Talos {1} on, where it is on by default, and Talos refuses a patch with a field its version does not know. Leave it to Talos: PATCH /api/v1/clusters/{2}/cilium with {{\"talos\":{{\"forwardKubeDnsToHost\":null}}}}.";
    /// <summary>The {0} of the host-DNS warnings: why the nodes forward kube-dns to the host.</summary>
    public const string HostDnsForwardingByDefault = "Talos {0}, like every Talos from 1.8 on, does so by default";
    public const string HostDnsForwardingBySetting = "talos.forwardKubeDnsToHost is true";
}
