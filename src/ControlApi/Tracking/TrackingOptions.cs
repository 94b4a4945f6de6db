namespace ControlApi.Tracking;

/// <summary><c>ControlApi:Tracking</c>: deadlines of the <c>track</c> job and the rhythm of the <c>poll</c> job.</summary>
public sealed class TrackingOptions
{
    public const string SectionName = "ControlApi:Tracking";

    /// <summary>From Committed: Flux must have applied the commit (and the HelmRelease be Ready) by then, else ReconcileFailed.</summary>
    public TimeSpan ApplyDeadline { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The DaemonSet rollout must move (a pod updated, ready or available) at least this often, else RolloutStuck.</summary>
    public TimeSpan RolloutProgressDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After RolledOut, how long agents may take to converge (e.g. WireGuard peers) before VerificationFailed.</summary>
    public TimeSpan VerificationGracePeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Safety net under the watches: re-read state at least this often even if no watch event came.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>While verifying, agents not yet converged are asked again this often (agent status has no watch).</summary>
    public TimeSpan VerifyRecheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A track job hands over to a fresh one after this long, staying under Hangfire's invisibility
    /// timeout (30 min on SQLite) so no second worker picks up a job that is still running.
    /// </summary>
    public TimeSpan MaxJobDuration { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Track jobs run on their own queue and workers: each holds a worker for minutes.</summary>
    public int TrackWorkers { get; set; } = 8;

    /// <summary>The recurring poll per cluster (Hangfire cron; sub-minute intervals use a seconds field).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Watch <c>cilium-config</c> and the HelmRelease and poll when they change (drift seen at once, not at the next poll).</summary>
    public bool DriftWatch { get; set; } = true;

    /// <summary>At most one watch-triggered poll per this interval (a rollout changes the HelmRelease several times).</summary>
    public TimeSpan DriftWatchDebounce { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Default for every cluster (each may set <c>ControlApi:Clusters:{i}:AutoRollback</c>): a revision
    /// that ends ReconcileFailed, RolloutStuck or VerificationFailed makes a rollback to the last
    /// Verified revision. Off unless set: going back is a change too, and an operator should choose it.
    /// </summary>
    public bool AutoRollback { get; set; }

    /// <summary>One <c>poll.heartbeat</c> audit event per cluster at most this often.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// While the host firewall is in audit mode, each poll asks every agent for the AUDIT verdicts of this
    /// long back; enforcing is refused while they show drops to ports a Talos node needs.
    /// </summary>
    public TimeSpan HostFirewallAuditWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Observation snapshots kept per cluster (a day of one-minute polls).</summary>
    public int ObservationsKept { get; set; } = 1440;
}
