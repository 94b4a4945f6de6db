using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Governance;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Governance;

/// <summary>The policy in force for a cluster: its version (0 = the default, never stored) and who set it.</summary>
public sealed record StoredPolicy(int Version, ClusterPolicy Policy, string? Author, DateTimeOffset? CreatedAt)
{
    public static StoredPolicy Default { get; } = new(0, ClusterPolicy.Default, null, null);
}

public abstract record PolicyOutcome
{
    private PolicyOutcome() { }
    public sealed record Replaced(StoredPolicy Stored) : PolicyOutcome;
    public sealed record Unchanged(StoredPolicy Stored) : PolicyOutcome;
    public sealed record PreconditionFailed(int CurrentVersion) : PolicyOutcome;
}

/// <summary>
/// Reads and versions cluster policies. A replacement is a new version written with its
/// <c>policy.changed</c> audit event in one write turn of the cluster, the turn every change takes,
/// so a change is judged against exactly one policy.
/// </summary>
public sealed class ClusterPolicies(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit, TimeProvider time)
{
    /// <summary>Read once per write turn (<see cref="TurnMemo{T}"/>): a policy is replaced only in its cluster's turn.</summary>
    private readonly TurnMemo<StoredPolicy> _readInTurn = new();

    public Task<StoredPolicy> CurrentAsync(string clusterId, CancellationToken cancellationToken) =>
        _readInTurn.GetOrReadAsync(db, clusterId, async () =>
        {
            var newest = await db.ClusterPolicies.AsNoTracking().Where(p => p.ClusterId == clusterId)
                .OrderByDescending(p => p.Version).FirstOrDefaultAsync(cancellationToken);
            return newest is null ? StoredPolicy.Default : From(newest);
        });

    public async Task<PolicyOutcome> ReplaceAsync(
        ManagedCluster cluster, ClusterPolicy policy, string actor, string? onBehalfOf, string? reason, int? ifMatchVersion, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken);
        var current = await CurrentAsync(cluster.Id, cancellationToken);
        if (ifMatchVersion is { } expected && expected != current.Version) return new PolicyOutcome.PreconditionFailed(current.Version);
        if (PolicyJson.Serialize(policy) == PolicyJson.Serialize(current.Policy)) return new PolicyOutcome.Unchanged(current);

        var stored = new ClusterPolicyVersion
        {
            ClusterId = cluster.Id, Version = current.Version + 1, PolicyJson = PolicyJson.Serialize(policy),
            Author = actor, OnBehalfOf = onBehalfOf, Reason = reason, CreatedAt = time.GetUtcNow(),
        };
        db.ClusterPolicies.Add(stored);
        _readInTurn.Forget();
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.PolicyChanged, cluster.Id, null, actor, AuditSources.Api,
            $"{cluster.Id} policy version {stored.Version}: {Describe(policy)}{(reason is null ? "" : $" ({reason})")}",
            new { version = stored.Version, previousVersion = current.Version, reason, onBehalfOf, policy, previous = current.Policy }, onBehalfOf), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);
        return new PolicyOutcome.Replaced(From(stored));
    }

    /// <summary>One line for the audit summary: what is asked of changes now.</summary>
    public static string Describe(ClusterPolicy policy)
    {
        var a = policy.Approvals;
        var approvals = a.Dangerous + a.Disruptive + a.Routine == 0
            ? "no approvals"
            : $"approvals dangerous {a.Dangerous}, disruptive {a.Disruptive}, routine {a.Routine} by {(a.Approvers == Approvers.Approver ? "approvers" : "operators")} within {a.ExpiresAfter}";
        var windows = policy.Windows.Count == 0 ? "no windows" : $"{policy.Windows.Count} window(s), outside them {(policy.OutsideWindow == OutsideWindow.Schedule ? "scheduled" : "refused")}";
        return $"{approvals}; {windows}";
    }

    private static StoredPolicy From(ClusterPolicyVersion stored) =>
        new(stored.Version, PolicyJson.Parse(System.Text.Encoding.UTF8.GetBytes(stored.PolicyJson)).Policy
            ?? throw new InvalidOperationException($"Stored policy {stored.ClusterId}/{stored.Version} no longer parses."), stored.Author, stored.CreatedAt);
}
