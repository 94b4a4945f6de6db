using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>
/// Every string the renderer writes into YAML, checked for characters no format allows and that
/// could change the YAML's structure (SPEC §2: "strings that reach YAML are checked so no value
/// can inject YAML structure"). Each string's own format rule also rejects it; this generic code
/// lets a client tell "garbled input" from "wrong value".
/// </summary>
internal static class YamlStringRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        foreach (var (pointer, value) in StringsThatReachYaml(context))
        {
            if (value is null) continue;
            var offending = YamlSafeText.FirstUnrepresentable(value);
            if (offending is not null)
                yield return Issue.Error(StringNotRepresentable, pointer, ValidationMessages.StringNotRepresentable,
                    Display.Member(pointer), offending);
        }
    }

    private static IEnumerable<(string Pointer, string? Value)> StringsThatReachYaml(ValidationContext context)
    {
        var desired = context.Desired;
        yield return (SettingsPointers.ChartVersion, desired.ChartVersion);
        yield return (SettingsPointers.EncryptionIpsecKeySecret, desired.Encryption.IpsecKeySecret);
        yield return (SettingsPointers.HubbleUiHostname, desired.Hubble.Ui.Hostname);
        yield return (SettingsPointers.RoutingIpv4NativeRoutingCidr, desired.Routing.Ipv4NativeRoutingCidr);
        for (var i = 0; i < desired.Bgp.Peers.Count; i++)
        {
            yield return (SettingsPointers.BgpPeerName(i), desired.Bgp.Peers[i].Name);
            yield return (SettingsPointers.BgpPeerAddress(i), desired.Bgp.Peers[i].Address);
        }
    }
}
