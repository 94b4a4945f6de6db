using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>WireGuard/IPsec encryption and what IPsec cannot be combined with.</summary>
internal static class EncryptionRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var encryption = context.Desired.Encryption;

        // cilium/NOTES.md: Node-to-node encryption — encrypt-node is rendered inside `if .Values.encryption.enabled`.
        if (encryption is { NodeEncryption: true, Enabled: false })
            yield return Issue.Error(NodeEncryptionNeedsEncryption, SettingsPointers.EncryptionNodeEncryption,
                ValidationMessages.NodeEncryptionNeedsEncryption);

        // cilium/NOTES.md: Node-to-node encryption — values.yaml "only effective when encryption.type is set to wireguard".
        // An error, not a warning: the user asked for encrypted node traffic and would silently not get it.
        if (encryption is { NodeEncryption: true, Type: EncryptionType.Ipsec })
            yield return Issue.Error(NodeEncryptionNeedsWireguard, SettingsPointers.EncryptionNodeEncryption,
                ValidationMessages.NodeEncryptionNeedsWireguard);

        // cilium/NOTES.md: Encryption type — ipsec renders ipsec-key-file; the keys come from encryption.ipsec.secretName.
        if (context.IpsecEnabled && encryption.IpsecKeySecret is null)
            yield return Issue.Error(IpsecKeySecretRequired, SettingsPointers.EncryptionIpsecKeySecret,
                ValidationMessages.IpsecKeySecretRequired);

        // Checked whenever given: it is stored and rendered as a Secret name once IPsec is chosen.
        if (encryption.IpsecKeySecret is { } secret && !KubernetesNames.IsDnsSubdomain(secret))
            yield return Issue.Error(IpsecKeySecretInvalid, SettingsPointers.EncryptionIpsecKeySecret,
                ValidationMessages.IpsecKeySecretInvalid, Display.Quote(secret));

        // cilium/NOTES.md: Host firewall — daemon_main.go "IPSec cannot be used with the host firewall." (fatal).
        if (context.IpsecEnabled && context.Desired.HostFirewall.Enabled)
            yield return Issue.Error(IpsecWithHostFirewall, SettingsPointers.EncryptionType,
                ValidationMessages.IpsecWithHostFirewall);

        // cilium/NOTES.md: Bandwidth manager / BBR — bandwidth.go "With IPsec the bandwidth manager is disabled with a warning".
        // IPsec also forces legacy host routing (kube_proxy_replacement.go), so this covers IPsec + BBR for pods.
        if (context.IpsecEnabled && context.Desired.BandwidthManager.Enabled)
            yield return Issue.Error(IpsecWithBandwidthManager, SettingsPointers.EncryptionType,
                ValidationMessages.IpsecWithBandwidthManager);

        if (EncryptionChange(context.Current?.Encryption, encryption) is { } change)
            yield return change;
    }

    /// <summary>
    /// SPEC §2: changing encryption restarts every agent and briefly drops cross-node traffic.
    /// Compared by effect: the type of disabled encryption renders no cilium-config key
    /// (cilium/NOTES.md: Encryption on — the whole block is inside `if .Values.encryption.enabled`),
    /// so changing only that restarts nothing.
    /// </summary>
    private static ValidationIssue? EncryptionChange(EncryptionSettings? current, EncryptionSettings desired)
    {
        if (current is null) return null;

        string pointer;
        if (current.Enabled != desired.Enabled)
            pointer = SettingsPointers.EncryptionEnabled;
        else if (desired.Enabled && current.Type != desired.Type)
            pointer = SettingsPointers.EncryptionType;
        else if (desired.Enabled && current.NodeEncryption != desired.NodeEncryption)
            pointer = SettingsPointers.EncryptionNodeEncryption;
        else
            return null;

        return Issue.Warning(EncryptionChangeRestartsAgents, pointer, ValidationMessages.EncryptionChangeRestartsAgents,
            Describe(current), Describe(desired));
    }

    private static string Describe(EncryptionSettings encryption) => encryption switch
    {
        { Enabled: false } => "off",
        { Type: EncryptionType.Wireguard, NodeEncryption: true } => "WireGuard with node encryption",
        { Type: EncryptionType.Wireguard } => "WireGuard",
        { NodeEncryption: true } => "IPsec with node encryption",
        _ => "IPsec",
    };
}
