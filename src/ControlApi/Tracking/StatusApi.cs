using ControlApi.Configuration;
using ControlApi.Http;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlApi.Tracking;

/// <summary>What the cluster looks like now (SPEC §5): the latest observation, and "reconcile now".</summary>
public static class StatusApi
{
    public const string NotConnected = "not connected: no Kubernetes access is configured for this cluster";

    public static RouteGroupBuilder MapStatusApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}").WithTags("Status");

        group.MapGet("/status", GetStatus)
            .WithName("GetClusterStatus")
            .WithDescription("What the last poll of the cluster saw: Flux's GitRepository and Kustomization, the Cilium rollout, the agents, drift from the desired settings and leftovers, with the observation's age. For a cluster without Kubernetes access, 'connected' is false and nothing is observed.")
            .WithSummary("The latest observation of the cluster, with its age.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/reconcile", Reconcile)
            .WithName("ReconcileCluster")
            .WithDescription("Sets reconcile.fluxcd.io/requestedAt on the GitRepository and the Kustomization, as `flux reconcile` does, and polls the cluster at once. 202 with Location: the status to read afterwards. A cluster without Kubernetes access answers 409.")
            .RequireRole(Role.Operator)
            .WithSummary("Ask Flux to reconcile now (the annotation `flux reconcile` sets) and poll the cluster now.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/repair", Repair)
            .WithName("RepairCluster")
            .WithDescription("Puts drift in cilium-config right the way `flux reconcile hr --force` does: reconcile.fluxcd.io/requestedAt and forceAt on the HelmRelease, so helm-controller upgrades although nothing changed and writes the release's objects back as the chart renders them. Audited (repair.requested, with X-Change-Reason if given) and followed to repair.completed or repair.failed; the cluster is polled then, so GET the status to see drift.cleared. 202 with Location: the status. 409 when the cluster is not connected, 503 when it does not answer.")
            .WithSummary("Re-apply the Cilium HelmRelease (a forced Helm upgrade) to undo drift.")
            .RequireRole(Role.Operator)
            .Produces<RepairResource>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/clusters/{cluster}/revisions/{number:int}/retrack", Retrack)
            .WithTags("Revisions")
            .WithName("RetrackRevision")
            .WithDescription("Starts following revision n again: one still converging (Committed, Applied, RolledOut) whose tracker stopped, or the newest revision in the repository that ended ReconcileFailed, RolloutStuck or VerificationFailed — if the cluster got there after all, it moves on to Verified with a 'Recovered from …' timeline entry and one revision.recovered event. 202 with Location: the revision (wait on it with ?waitFor=Verified). 409 says why another revision is not trackable and what to do.")
            .WithSummary("Track a revision again now (e.g. after Flux's own retry succeeded).")
            .RequireRole(Role.Operator)
            .Produces<RetrackResource>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return api;
    }

    public static async Task<Results<Accepted<RetrackResource>, ProblemHttpResult>> Retrack(
        string cluster, int number, HttpContext context, ClusterCatalog clusters, RevisionRetrack retrack, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var outcome = await retrack.ApplyAsync(managed, number, Caller.Name(context), Audit.AuditSources.Api, cancellationToken);
        return outcome switch
        {
            RetrackOutcome.NoSuchRevision missing => Problems.RevisionNotFound(managed.Id, missing.Target, missing.CurrentRevision),
            RetrackOutcome.NotConnected => NotConnectedProblem(managed.Id, "there is nothing to track"),
            RetrackOutcome.NotTrackable refused => Problems.Create(StatusCodes.Status409Conflict, "revision-not-trackable", "The revision cannot be tracked",
                refused.Advice, new() { ["state"] = refused.State.ToString() }),
            RetrackOutcome.Started started => TypedResults.Accepted(Revisions.RevisionLinks.Revision(managed.Id, started.Number),
                new RetrackResource(managed.Id, started.Number, started.State, "Tracking started; GET the revision (or wait on it with ?waitFor=Verified) to see where it gets.")),
            _ => throw new InvalidOperationException($"Unhandled retrack outcome {outcome.GetType().Name}."),
        };
    }

    public static async Task<Results<Accepted<RepairResource>, ProblemHttpResult>> Repair(
        string cluster, HttpContext context, ClusterCatalog clusters, ClusterRepair repair, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var reason = context.Request.Headers["X-Change-Reason"].ToString();
        var outcome = await repair.ApplyAsync(managed, Caller.Name(context), Audit.AuditSources.Api, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), cancellationToken);
        return outcome switch
        {
            RepairOutcome.NotConnected => NotConnectedProblem(managed.Id, "Flux cannot be asked to re-apply the release"),
            RepairOutcome.Unreachable unreachable => Problems.Create(StatusCodes.Status503ServiceUnavailable, "cluster-unreachable", "The cluster does not answer",
                $"The HelmRelease of '{managed.Id}' could not be annotated: {unreachable.Reason}. Try again when the cluster answers (GET /api/v1/clusters/{managed.Id}/status)."),
            RepairOutcome.Requested requested => TypedResults.Accepted($"/api/v1/clusters/{managed.Id}/status",
                new RepairResource(managed.Id, "requested", requested.Stamp,
                    "Flux is asked to re-apply the HelmRelease (forced upgrade); repair.completed or repair.failed follows in the audit, then GET the status to see the drift cleared.")),
            _ => throw new InvalidOperationException($"Unhandled repair outcome {outcome.GetType().Name}."),
        };
    }

    private static ProblemHttpResult NotConnectedProblem(string cluster, string consequence) =>
        Problems.Create(StatusCodes.Status409Conflict, "cluster-not-connected", "The cluster is not connected",
            $"Cluster '{cluster}' has no Kubernetes access configured, so {consequence}. Configure ControlApi:Clusters:*:Kubernetes (README, Connecting a cluster).");

    public static async Task<Results<Ok<ClusterStatusResource>, ProblemHttpResult>> GetStatus(
        string cluster, ClusterCatalog clusters, ObservationReader observations, Revisions.RevisionReader revisions, HostFirewall.HostFirewallAudits audits,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (!managed.Kubernetes.IsConfigured)
            return TypedResults.Ok(new ClusterStatusResource(managed.Id, false, NotConnected, null, null, null, null, []));

        var latest = await observations.LatestAsync(managed.Id, cancellationToken);
        var tracking = await observations.ConvergingAsync(managed.Id, cancellationToken);
        var current = await revisions.CurrentAsync(managed.Id, cancellationToken);
        var hostFirewall = await HostFirewall.HostFirewallStatus.BuildAsync(managed.Id, current.Settings, audits, cancellationToken);
        if (latest is null)
            return TypedResults.Ok(new ClusterStatusResource(managed.Id, true, "connected; not observed yet (POST reconcile polls now)", null, null, null, null, tracking)
                { HostFirewall = hostFirewall });
        var age = (time.GetUtcNow() - latest.ObservedAt).TotalSeconds;
        return TypedResults.Ok(new ClusterStatusResource(managed.Id, true,
            latest.Snapshot?.Reachable == false ? "unreachable" : "observed",
            latest.ObservedAt, Math.Round(Math.Max(0, age), 1), latest.Summary, latest.Snapshot, tracking) { HostFirewall = hostFirewall });
    }

    public static Results<Accepted<ReconcileResource>, ProblemHttpResult> Reconcile(
        string cluster, HttpContext context, ClusterCatalog clusters, TrackScheduler scheduler)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (!managed.Kubernetes.IsConfigured) return NotConnectedProblem(managed.Id, "Flux cannot be asked to reconcile");
        scheduler.PollNow(managed.Id, Caller.Name(context));
        return TypedResults.Accepted($"/api/v1/clusters/{managed.Id}/status",
            new ReconcileResource(managed.Id, "requested", "Flux is asked to reconcile the GitRepository and Kustomization now, and the cluster is polled; GET the status to see the result."));
    }
}

/// <param name="AgeSeconds">How old the observation is.</param>
/// <param name="Tracking">Revisions still on their way to Verified.</param>
public sealed record ClusterStatusResource(
    string Cluster,
    bool Connected,
    string Status,
    DateTimeOffset? ObservedAt,
    double? AgeSeconds,
    string? Summary,
    ObservationSnapshot? Observation,
    IReadOnlyList<TrackingResource> Tracking)
{
    /// <summary>The host firewall's mode and, in audit mode, the would-be drops of the window and whether enforcing would be refused.</summary>
    public HostFirewall.HostFirewallStatus? HostFirewall { get; init; }
}

public sealed record ReconcileResource(string Cluster, string Status, string Message);

/// <param name="RequestedAt">The value written to requestedAt and forceAt (Go RFC 3339 with nanoseconds).</param>
public sealed record RepairResource(string Cluster, string Status, string RequestedAt, string Message);

/// <param name="State">The revision's state when tracking started again.</param>
public sealed record RetrackResource(string Cluster, int Revision, Core.Revisions.RevisionState State, string Message);
