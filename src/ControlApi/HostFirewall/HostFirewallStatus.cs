using ControlApi.Core.HostFirewall;
using ControlApi.Core.Settings;

namespace ControlApi.HostFirewall;

/// <summary>The host firewall in the cluster status: its mode, and while auditing what enforcing would drop.</summary>
/// <param name="Mode"><c>off</c>, <c>audit</c>, <c>enforce</c>, or <c>enforce (no mode set)</c> for a revision from before the mode existed.</param>
/// <param name="Window">How far back the would-be drops reach.</param>
/// <param name="AuditVerifiedAt">When audit mode was verified live on every agent (start of the audit period).</param>
/// <param name="CollectedAt">When the agents were last asked for AUDIT verdicts.</param>
/// <param name="WouldBeDrops">Host flows policy would drop, grouped by node, direction, peer, port and protocol; those to Talos-required ports (<c>required</c>) first.</param>
/// <param name="RequiredDrops">How many groups hit a port a Talos node needs: each one blocks enforcing.</param>
/// <param name="Errors">Agents that did not answer, and why; their nodes' verdicts are missing.</param>
/// <param name="Enforce"><c>allowed</c>, <c>refused</c> (see Advice), or <c>enforcing</c> / <c>off</c> when there is nothing to decide.</param>
/// <param name="Advice">What to do next, through ControlApi.</param>
public sealed record HostFirewallStatus(
    string Mode,
    string Window,
    DateTimeOffset? AuditVerifiedAt,
    DateTimeOffset? CollectedAt,
    int? Agents,
    int? Answered,
    IReadOnlyList<WouldBeDrop> WouldBeDrops,
    int RequiredDrops,
    IReadOnlyList<string> Errors,
    string Enforce,
    string Advice)
{
    public const string Allowed = "allowed";
    public const string Refused = "refused";
    public const string Enforcing = "enforcing";
    public const string Off = "off";

    /// <summary>Groups shown; the count of required ones is always exact.</summary>
    public const int MaxShown = 200;

    public static async Task<HostFirewallStatus> BuildAsync(string clusterId, CiliumSettings settings, HostFirewallAudits audits, CancellationToken cancellationToken)
    {
        var window = HostFirewallWindow.Text(audits.Window);
        var firewall = settings.HostFirewall;
        if (!firewall.Enabled)
            return new(Off, window, null, null, null, null, [], 0, [], Off,
                $"The host firewall is off. Turn it on in audit mode first: PATCH /api/v1/clusters/{clusterId}/cilium with {{\"hostFirewall\":{{\"enabled\":true,\"mode\":\"audit\"}}}} (README: Turning on the host firewall safely).");
        if (firewall.Enforcing)
            return new(firewall.Mode is null ? "enforce (no mode set)" : "enforce", window, null, null, null, null, [], 0, [], Enforcing,
                $"Host policies are enforced. To watch new host policies before they drop anything, PATCH /api/v1/clusters/{clusterId}/cilium with {{\"hostFirewall\":{{\"mode\":\"audit\"}}}}.");

        var evidence = await audits.EvidenceAsync(clusterId, null, cancellationToken);
        var collection = await audits.LatestCollectionAsync(clusterId, cancellationToken);
        var drops = AuditVerdicts.InWindow(evidence.Flows, evidence.Window, evidence.Now);
        var refusal = HostFirewallGate.Judge(evidence);
        var advice = refusal switch
        {
            null => $"No would-be drops to ports a Talos node needs in the last {window}: enforce with PATCH /api/v1/clusters/{clusterId}/cilium and {{\"hostFirewall\":{{\"mode\":\"enforce\"}}}}.",
            { NoAuditPeriod: true } => $"Enforcing is refused now: {refusal.Because}.",
            _ => $"Enforcing is refused now: {refusal.Because}. Allow those flows in your host policies (CiliumClusterwideNetworkPolicy with a nodeSelector) in git and wait until they age out of the {window} window.",
        };
        return new("audit", window, evidence.AuditVerifiedAt, collection?.CollectedAt, collection?.Agents, collection?.Answered,
            drops.Take(MaxShown).ToList(), drops.Count(d => d.Required is not null), collection?.Errors.Take(20).ToList() ?? [],
            refusal is null ? Allowed : Refused, advice);
    }
}

