using System.Diagnostics.Metrics;

namespace ControlApi.Metrics;

/// <summary>
/// The instruments the service records as things happen (the gauges read at scrape time live in
/// <see cref="ObservedGauges"/>). Names follow OpenTelemetry's dotted style; the Prometheus exporter
/// turns <c>controlapi.commit.duration</c> with unit <c>s</c> into <c>controlapi_commit_duration_seconds</c>.
/// </summary>
public sealed class ControlApiMetrics
{
    public const string MeterName = "ControlApi";

    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<double> _timeToVerified;
    private readonly Histogram<double> _pollDuration;
    private readonly Gauge<long> _drift;
    private readonly Counter<long> _approvalDecisions;

    public ControlApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _commitDuration = meter.CreateHistogram("controlapi.commit.duration", "s",
            "Time the commit job took to render one revision and publish it to the GitOps repository.",
            advice: Buckets(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120));
        _timeToVerified = meter.CreateHistogram("controlapi.revision.time_to_verified", "s",
            "Time from a revision's acceptance until it was verified live on its cluster.",
            advice: Buckets(5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600));
        _pollDuration = meter.CreateHistogram("controlapi.poll.duration", "s",
            "Time one poll of a cluster (Flux objects, DaemonSet, agents, drift) took.",
            advice: Buckets(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30));
        _drift = meter.CreateGauge<long>("controlapi.cluster.drift", "{key}",
            "cilium-config keys whose live value differs from the desired one, at the last poll.");
        // Pending approvals are the controlapi.revisions gauge's PendingApproval series.
        _approvalDecisions = meter.CreateCounter<long>("controlapi.approval.decisions", "{decision}",
            "Decisions on changes held for approval: requested, granted (one approver), approved (enough approvers, the change goes ahead), rejected, expired.");
    }

    /// <param name="decision">One of <see cref="ApprovalDecisions"/>.</param>
    public void RecordApprovalDecision(string cluster, string decision) =>
        _approvalDecisions.Add(1, new("cluster", cluster), new("decision", decision));

    /// <param name="outcome">committed, no_change or failed.</param>
    public void RecordCommit(string cluster, string outcome, TimeSpan duration) =>
        _commitDuration.Record(duration.TotalSeconds, new("cluster", cluster), new("outcome", outcome));

    public void RecordTimeToVerified(string cluster, TimeSpan sinceAccepted) =>
        _timeToVerified.Record(Math.Max(0, sinceAccepted.TotalSeconds), new KeyValuePair<string, object?>("cluster", cluster));

    /// <summary>For the poll job: how long one poll of <paramref name="cluster"/> took, and whether it reached the cluster.</summary>
    public void RecordPoll(string cluster, string outcome, TimeSpan duration) =>
        _pollDuration.Record(duration.TotalSeconds, new("cluster", cluster), new("outcome", outcome));

    /// <summary>For the poll job: the number of drifted keys it saw (0 when live matches desired).</summary>
    public void RecordDrift(string cluster, long driftedKeys) =>
        _drift.Record(driftedKeys, new KeyValuePair<string, object?>("cluster", cluster));

    private static InstrumentAdvice<double> Buckets(params double[] boundaries) => new() { HistogramBucketBoundaries = boundaries };
}

/// <summary>The <c>decision</c> tag of <c>controlapi.approval.decisions</c>.</summary>
public static class ApprovalDecisions
{
    public const string Requested = "requested";
    public const string Granted = "granted";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Expired = "expired";
}

/// <summary>Outcome tag values, written once.</summary>
public static class MetricOutcomes
{
    public const string Committed = "committed";
    public const string NoChange = "no_change";
    public const string Failed = "failed";
    public const string Reached = "reached";
    public const string Unreachable = "unreachable";
}
