using System.Globalization;
using System.Text.Json;
using ControlApi.Core.LiveState;
using ControlApi.Core.Observation;
using ControlApi.Probes;

namespace ControlApi.Tracking;

/// <summary>
/// An observation as it is stored and shown by <c>GET /clusters/{cluster}/status</c>: what each
/// probe found, judged against the desired revision. Only conclusions and small facts are kept —
/// never whole agent status documents.
/// </summary>
public sealed record ObservationSnapshot(
    bool Reachable,
    string? Problem,
    int? DesiredRevision,
    IReadOnlyList<int> ConvergingRevisions,
    IReadOnlyList<FluxObjectView> Flux,
    RolloutView? DaemonSet,
    ConfigView Config,
    AgentsView Agents,
    WireGuardView? WireGuard,
    HubbleUiView? HubbleUi,
    IReadOnlyList<LeftoverView> Leftovers,
    IReadOnlyDictionary<string, bool?> LiveFeatures,
    CostView Cost)
{
    /// <summary>The AUDIT verdicts the agents reported, when the host firewall is in audit mode (null otherwise).</summary>
    public HostFirewall.AuditCollection? HostFirewallAudit { get; init; }

    public string Summary()
    {
        if (!Reachable) return $"unreachable: {Problem}";
        var flux = Flux.Count == 0 ? "Flux not read" : Flux.All(f => f.Ready) ? "Flux ready" : $"Flux: {string.Join(", ", Flux.Where(f => !f.Ready).Select(f => $"{f.Kind} not ready"))}";
        var ds = DaemonSet is null ? "no DaemonSet" : string.Create(CultureInfo.InvariantCulture, $"DaemonSet {DaemonSet.Updated}/{DaemonSet.Desired} updated");
        var agents = string.Create(CultureInfo.InvariantCulture, $"{Agents.Healthy}/{Agents.Sampled} sampled agents as desired (of {Agents.Pods})");
        var drift = !Config.Evaluated ? $"drift not checked ({Config.NotEvaluatedBecause})" : Config.Drift.Count == 0 ? "no drift" : $"{Config.Drift.Count} key(s) drifted";
        var leftovers = Leftovers.Count == 0 ? "no leftovers" : $"{Leftovers.Count} leftover(s)";
        var summary = $"reachable; {flux}; {ds}; {agents}; {drift}; {leftovers}";
        return summary.Length <= 500 ? summary : summary[..499] + "…";
    }

    public string ToJson() => JsonSerializer.Serialize(this, ApiJson.Options);

    public static ObservationSnapshot? FromJson(string json) => JsonSerializer.Deserialize<ObservationSnapshot>(json, ApiJson.Options);
}

public sealed record FluxObjectView(string Kind, string Name, bool Found, string Status, bool Ready, string? Reason, string? Message, string? Revision, long Generation, long ObservedGeneration)
{
    public static FluxObjectView From(FluxObjectStatus o) => new(
        o.Kind.ToString(), o.Ref.ToString(), o.Found, KStatus.Compute(o).ToString(), KStatus.IsReady(o),
        o.Ready?.Reason, o.Ready?.Message, o.ArtifactRevision ?? o.LastAppliedRevision ?? o.LatestRelease?.ChartVersion, o.Generation, o.ObservedGeneration);
}

public sealed record RolloutView(string Name, string Phase, int Desired, int Updated, int Ready, int Available, long Generation, long ObservedGeneration)
{
    public static RolloutView From(DaemonSetStatus ds) => new(ds.Ref.ToString(), RolloutEvaluator.Determine(ds).Phase.ToString(),
        ds.DesiredNumberScheduled, ds.UpdatedNumberScheduled, ds.NumberReady, ds.NumberAvailable, ds.Generation, ds.ObservedGeneration);
}

public sealed record DriftView(string Key, string Desired, string Live)
{
    public static DriftView From(ConfigKeyDrift d) => new(d.Key, d.Desired, d.Actual);
}

/// <param name="Evaluated">False while a revision rolls out (drift would only be the rollout) or nothing is desired yet.</param>
public sealed record ConfigView(string Name, bool Found, bool Evaluated, string? NotEvaluatedBecause, IReadOnlyList<DriftView> Drift);

public sealed record AgentsView(int Pods, int Sampled, int Healthy, IReadOnlyList<AgentView> Reports);

/// <param name="Brief">The <c>cilium-dbg status --brief</c> health line ("OK" or "error in …").</param>
/// <param name="Mismatches">Desired features the agent does not show, "location: desired X, live Y".</param>
public sealed record AgentView(string Pod, string? Node, string? Brief, string? Encryption, int? WireGuardPeers, string? Error, IReadOnlyList<string> Mismatches)
{
    public static AgentView From(AgentReport report, ExpectedLiveState? expected)
    {
        string? encryption = null;
        int? peers = null;
        if (report.Status is { } status)
        {
            encryption = status.String("encryption", "mode");
            var counts = status.Items("encryption", "wireguard", "interfaces").Select(i => i.Long("peer-count")).ToList();
            peers = counts.Count > 0 ? (int)counts.Min() : null;
        }
        var mismatches = expected is null ? [] : VerificationEvaluator.EvaluateAgent(expected, report).Select(f => $"{f.Subject}: desired {f.Desired}, live {f.Live}").ToList();
        return new AgentView(report.Pod, report.Node, report.Brief, encryption, peers, report.Error, mismatches);
    }
}

public sealed record WireGuardView(int Nodes, int WithKey, IReadOnlyList<string> MissingKey);

public sealed record HubbleUiView(string Service, string Type, bool Exposed, IReadOnlyList<string> Addresses, string? Hostname);

public sealed record LeftoverView(string Kind, string Subject, string Detail)
{
    public static LeftoverView From(MigrationLeftover l) => new(l.Kind, l.Subject, l.Detail);
}

/// <summary>What the observation cost the cluster: API requests (list pages included), execs, time.</summary>
public sealed record CostView(long Requests, long Execs, long DurationMs);
