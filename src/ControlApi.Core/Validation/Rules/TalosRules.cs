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

        // The setting renders machine.features.hostDNS (talos/config.schema.json v1.13.9 v1alpha1.HostDNSConfig) or the
        // ResolverConfig hostDNS (v1.14.0-rc.1). cilium/NOTES.md knows the forwarding from Talos 1.8, where it became
        // the default; Talos refuses a machine config with a field its version does not know, so nothing older.
        if (context.Desired.Talos.ForwardKubeDnsToHost is not null && context.Cluster.Talos.Version < ValidationContext.HostDnsSettingSince)
            yield return Issue.Error(TalosHostDnsSettingUnsupported, SettingsPointers.TalosForwardKubeDnsToHost,
                ValidationMessages.TalosHostDnsSettingUnsupported, context.Cluster.Talos.Version.ToString(),
                ValidationContext.HostDnsSettingSince.ToString(), context.Cluster.Id);

        foreach (var issue in HostDnsForwarding(context))
            yield return issue;
    }

    /// <summary>
    /// cilium/NOTES.md: Talos-recommended values — "Talos ≥1.8 turns on 'Forwarding kube-dns to Host DNS' by default.
    /// That feature does not work with Cilium's eBPF host routing; the doc says to set bpf.hostLegacyRouting=true.
    /// This clashes with BBR for pods". Warnings, not errors: the forwarding is a machine-config choice that
    /// the docs do not say breaks the agent — DNS may fail. The forwarding is the talos.forwardKubeDnsToHost setting
    /// when set (ControlApi renders it), otherwise the cluster fact, so both ways out are ControlApi requests.
    /// With BBR for pods the way out differs, so it gets its own code.
    /// Only when eBPF host routing would really be used (otherwise the agent falls back to legacy anyway).
    /// </summary>
    private static IEnumerable<ValidationIssue> HostDnsForwarding(ValidationContext context)
    {
        if (!context.TalosForwardsKubeDnsToHost || !context.EbpfHostRouting) yield break;

        var why = context.ForwardingSetByTalosSettings
            ? ValidationMessages.HostDnsForwardingBySetting
            : string.Format(System.Globalization.CultureInfo.InvariantCulture, ValidationMessages.HostDnsForwardingByDefault, context.Cluster.Talos.Version);
        var cluster = context.Cluster.Id;
        if (context.BbrForPods && context.Desired.BandwidthManager.Enabled)
            yield return Issue.Warning(BbrConflictsWithTalosHostDns, SettingsPointers.BandwidthManagerBbr,
                ValidationMessages.BbrConflictsWithTalosHostDns, why, cluster);
        else
            yield return Issue.Warning(TalosHostDnsNeedsLegacyHostRouting, SettingsPointers.BpfHostLegacyRouting,
                ValidationMessages.TalosHostDnsNeedsLegacyHostRouting, why, cluster);
    }
}
