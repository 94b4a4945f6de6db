using ControlApi.Core.Settings;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>
/// What Talos requires of Cilium. Every cluster ControlApi manages runs Talos (ClusterProfile always has
/// TalosFacts), so these apply to all clusters.
/// </summary>
internal static class TalosRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var desired = context.Desired;

        // cilium/NOTES.md: Talos-recommended values — k8s-install-talos-linux.rst "ipam.mode=kubernetes".
        if (desired.Ipam.Mode != IpamMode.Kubernetes)
            yield return Issue.Error(TalosIpamMustBeKubernetes, SettingsPointers.IpamMode, ValidationMessages.TalosIpamMustBeKubernetes);

        // talos/NOTES.md "Disabling the CNI and kube-proxy…" (`cluster.proxy.disabled: true`) and "Talos 1.14 moves these
        // settings…" (`KubeProxyConfig` `enabled: false`): SPEC §3 renders one of them always, so with KPR off nothing
        // would implement Services (cilium/NOTES.md: kube-proxy replacement — kubeproxy-free.rst).
        if (!desired.KubeProxyReplacement)
            yield return Issue.Error(TalosKubeProxyReplacementRequired, SettingsPointers.KubeProxyReplacement,
                ValidationMessages.TalosKubeProxyReplacementRequired);

        foreach (var issue in HostDnsForwarding(context))
            yield return issue;
    }

    /// <summary>
    /// cilium/NOTES.md: Talos-recommended values — "Talos ≥1.8 turns on 'Forwarding kube-dns to Host DNS' by default.
    /// That feature does not work with Cilium's eBPF host routing; the doc says to set bpf.hostLegacyRouting=true.
    /// This clashes with BBR for pods". Warnings, not errors: the forwarding is a machine-config choice that
    /// ControlApi knows only through the cluster fact, and the docs do not say the agent fails — DNS may.
    /// With BBR for pods the way out differs, so it gets its own code.
    /// Only when eBPF host routing would really be used (otherwise the agent falls back to legacy anyway).
    /// </summary>
    private static IEnumerable<ValidationIssue> HostDnsForwarding(ValidationContext context)
    {
        if (!context.TalosForwardsKubeDnsToHost || !context.EbpfHostRouting) yield break;

        var talos = context.Cluster.Talos.Version.ToString();
        if (context.BbrForPods && context.Desired.BandwidthManager.Enabled)
            yield return Issue.Warning(BbrConflictsWithTalosHostDns, SettingsPointers.BandwidthManagerBbr,
                ValidationMessages.BbrConflictsWithTalosHostDns, talos);
        else
            yield return Issue.Warning(TalosHostDnsNeedsLegacyHostRouting, SettingsPointers.BpfHostLegacyRouting,
                ValidationMessages.TalosHostDnsNeedsLegacyHostRouting, talos);
    }
}
