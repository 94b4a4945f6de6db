using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>
/// The bandwidth manager and BBR. Prerequisite errors point at <c>bbr</c>, the wish that cannot be
/// honoured; the message names the member to change. IPsec's conflict lives with the encryption rules.
/// </summary>
internal static class BandwidthManagerRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var bandwidth = context.Desired.BandwidthManager;

        // cilium/NOTES.md: BBR — enable-bbr is "rendered only inside if .Values.bandwidthManager.enabled";
        // bandwidth-manager.rst "The bandwidth manager must be on before BBR can be used".
        if (bandwidth is { Bbr: true, Enabled: false })
            yield return Issue.Error(BbrNeedsBandwidthManager, SettingsPointers.BandwidthManagerBbr, ValidationMessages.BbrNeedsBandwidthManager);

        // cilium/NOTES.md: Bandwidth manager / BBR — bandwidth.go "enable-bbr-hostns-only without enable-bbr is an error".
        if (bandwidth is { BbrHostNamespaceOnly: true, Bbr: false })
            yield return Issue.Error(BbrHostNamespaceOnlyNeedsBbr, SettingsPointers.BandwidthManagerBbrHostNamespaceOnly,
                ValidationMessages.BbrHostNamespaceOnlyNeedsBbr);

        foreach (var issue in EbpfHostRoutingForPods(context))
            yield return issue;
    }

    /// <summary>
    /// cilium/NOTES.md: Bandwidth manager / BBR — bandwidth.go "BPF bandwidth manager's BBR setup requires BPF host
    /// routing" (start hook: the agent fails to start); eBPF host routing needs KPR=true and bpf.masquerade=true
    /// (tuning.rst §eBPF Host-Routing), and `bpf.hostLegacyRouting=true` turns it off. "In legacy host routing
    /// only bbrHostNamespaceOnly=true works", so host-namespace-only BBR is exempt.
    /// </summary>
    private static IEnumerable<ValidationIssue> EbpfHostRoutingForPods(ValidationContext context)
    {
        if (!context.BbrForPods) yield break;
        var desired = context.Desired;

        if (!desired.KubeProxyReplacement)
            yield return Issue.Error(BbrNeedsKubeProxyReplacement, SettingsPointers.BandwidthManagerBbr, ValidationMessages.BbrNeedsKubeProxyReplacement);

        if (!desired.Bpf.Masquerade)
            yield return Issue.Error(BbrNeedsBpfMasquerade, SettingsPointers.BandwidthManagerBbr, ValidationMessages.BbrNeedsBpfMasquerade);

        if (desired.Bpf.HostLegacyRouting)
            yield return Issue.Error(BbrNeedsEbpfHostRouting, SettingsPointers.BandwidthManagerBbr, ValidationMessages.BbrNeedsEbpfHostRouting);
    }
}
