using ControlApi.Core.Settings;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>Hubble, its relay and its UI, and how the UI is exposed.</summary>
internal static class HubbleRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var hubble = context.Desired.Hubble;
        var ui = hubble.Ui;

        // cilium/NOTES.md: Hubble — validate.yaml "Hubble Relay requires .Values.hubble.enabled=true".
        if (hubble is { Relay: true, Enabled: false })
            yield return Issue.Error(HubbleRelayNeedsHubble, SettingsPointers.HubbleRelay, ValidationMessages.HubbleRelayNeedsHubble);

        // cilium/NOTES.md: Hubble UI — hubble-ui/service.yaml renders only `if and (or .Values.hubble.enabled …) .Values.hubble.ui.enabled`.
        if (ui.Enabled && !hubble.Enabled)
            yield return Issue.Error(HubbleUiNeedsHubble, SettingsPointers.HubbleUiEnabled, ValidationMessages.HubbleUiNeedsHubble);

        // cilium/NOTES.md: Hubble — validate.yaml "Hubble UI requires .Values.hubble.relay.enabled=true".
        if (ui.Enabled && !hubble.Relay)
            yield return Issue.Error(HubbleUiNeedsRelay, SettingsPointers.HubbleUiEnabled, ValidationMessages.HubbleUiNeedsRelay);

        foreach (var issue in HostnameRules(ui))
            yield return issue;

        // SPEC §2 warning; cilium/NOTES.md: Hubble UI service type — the Service type is rendered as given.
        // NodePort exposes the UI on every node just the same, so it is warned about as well.
        if (ui.Enabled && ui.ServiceType is ServiceType.LoadBalancer or ServiceType.NodePort)
            yield return Issue.Warning(HubbleUiExposedWithoutAuthentication, SettingsPointers.HubbleUiServiceType,
                ValidationMessages.HubbleUiExposedWithoutAuthentication, ui.ServiceType.ToString(), context.Cluster.Id);
    }

    private static IEnumerable<ValidationIssue> HostnameRules(HubbleUiSettings ui)
    {
        if (ui.Hostname is not { } hostname) yield break;

        // Rendered as the external-dns.alpha.kubernetes.io/hostname annotation (SPEC §3).
        if (!SettingFormats.IsDnsHostname(hostname))
            yield return Issue.Error(HubbleUiHostnameInvalid, SettingsPointers.HubbleUiHostname,
                ValidationMessages.HubbleUiHostnameInvalid, Display.Quote(hostname));

        // Without the UI there is no Service to annotate: the name would be silently ignored.
        if (!ui.Enabled)
            yield return Issue.Error(HubbleUiHostnameNeedsUi, SettingsPointers.HubbleUiHostname, ValidationMessages.HubbleUiHostnameNeedsUi);

        // SPEC §2/§3: the annotation is for external-dns to publish the LoadBalancer's external address;
        // other Service types have no external address to point the name at.
        if (ui.ServiceType != ServiceType.LoadBalancer)
            yield return Issue.Error(HubbleUiHostnameNeedsLoadBalancer, SettingsPointers.HubbleUiHostname,
                ValidationMessages.HubbleUiHostnameNeedsLoadBalancer, Display.Quote(ui.ServiceType.ToString()));
    }
}
