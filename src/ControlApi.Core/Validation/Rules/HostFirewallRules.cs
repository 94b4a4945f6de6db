using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>The host firewall; its conflict with IPsec lives with the encryption rules.</summary>
internal static class HostFirewallRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        // cilium/NOTES.md: Host firewall — "The first enforcement may drop replies briefly" (language.rst
        // "Host Policies known issues"). Warned on every turn-on; with no current settings we cannot
        // know it was on before, so we warn too.
        var wasOn = context.Current?.HostFirewall.Enabled ?? false;
        if (context.Desired.HostFirewall.Enabled && !wasOn)
            yield return Issue.Warning(HostFirewallAuditFirst, SettingsPointers.HostFirewallEnabled,
                ValidationMessages.HostFirewallAuditFirst);
    }
}
