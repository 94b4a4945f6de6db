using ControlApi.Adoption;
using ControlApi.Configuration;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Core.Values;

namespace ControlApi.Revisions;

/// <summary>What a change would do, worked out exactly as <see cref="ChangeService"/> would, without storing anything.</summary>
public abstract record ChangePreview
{
    public sealed record Ready(
        RevisionResource Current,
        CiliumSettings Desired,
        ValidationResult Validation,
        IReadOnlyList<ValueChange> Values,
        IReadOnlyList<ValueChange> SideEffects,
        RiskAssessment Risk) : ChangePreview;

    public sealed record Malformed(string Pointer, string Error) : ChangePreview;

    public sealed record AdoptionRequired(string Reason) : ChangePreview;
}

/// <summary>The plan of the HTTP API and of chat: the same rules, chart and baseline as a real change.</summary>
public sealed class ChangePreviewer(RevisionReader reader, RevisionBaselines baselines, AdoptionStatus adoption, HostFirewall.HostFirewallAudits hostFirewallAudits)
{
    public async Task<ChangePreview> PreviewAsync(
        ManagedCluster cluster, Func<CiliumSettings, SettingsParseResult> desire, IReadOnlyList<string>? namedMembers, CancellationToken cancellationToken)
    {
        if (await adoption.GetAsync(cluster, fresh: false, cancellationToken) is AdoptionState.Unadopted unadopted)
            return new ChangePreview.AdoptionRequired(unadopted.Reason);

        var chart = await baselines.ChartForAsync(cluster, desire, cancellationToken);
        var current = await reader.CurrentAsync(cluster.Id, cancellationToken);
        var parsed = desire(current.Settings);
        if (parsed.Settings is not { } desired) return new ChangePreview.Malformed(parsed.Pointer ?? "", parsed.Error ?? "The settings could not be read.");

        var hostFirewallAudit = Core.HostFirewall.HostFirewallGate.StartsEnforcing(desired.HostFirewall, current.Settings.HostFirewall)
            ? await hostFirewallAudits.EvidenceAsync(cluster.Id, null, cancellationToken)
            : null;
        var validation = SettingsValidator.Validate(cluster.Profile, desired, current.Settings, chart.Chart, hostFirewallAudit);
        // Settings the rules refuse are never rendered, so they change no value.
        var values = validation.IsValid ? await baselines.DescribeAsync(cluster, current, desired, chart, cancellationToken) : [];
        return new ChangePreview.Ready(current, desired, validation, values, SideEffects.Of(values, current.Settings, desired, namedMembers),
            ChangeRisks.Assess(cluster.Profile, current.Settings, desired, validation.Warnings));
    }
}
