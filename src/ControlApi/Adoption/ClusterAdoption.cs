using System.Text.Json;
using ControlApi.Audit;
using ControlApi.Commits;
using ControlApi.Configuration;
using ControlApi.Core.Adoption;
using ControlApi.Core.Rendering;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Core.Values;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.GitOps;
using ControlApi.Persistence;
using ControlApi.Revisions;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Adoption;

/// <summary>Who adopts, and how far they want to go.</summary>
/// <param name="AllowRewrites">Adopt although the next commit rewrites fields outside the Helm values or drops unimportable ones (all listed).</param>
public sealed record AdoptionRequest(ManagedCluster Cluster, string Actor, string? OnBehalfOf, string? Reason, bool DryRun, bool AllowRewrites);

/// <summary>The chart adoption read the release against.</summary>
public sealed record AdoptedChart(string? Name, string Version, string Repository);

/// <summary>What adoption found, key by key, and what it would or did store.</summary>
public sealed record AdoptionReport(
    string Cluster,
    string? Commit,
    AdoptedChart Chart,
    CiliumSettings Settings,
    IReadOnlyList<AdoptedKey> Keys,
    IReadOnlyList<ValueChange> WouldChange,
    IReadOnlyList<ValueChange> Rewrites,
    IReadOnlyList<ValueChange> Additions,
    IReadOnlyList<IssueResource> Findings)
{
    /// <summary>The revision that holds the adopted settings; null for a dry run or a refusal.</summary>
    public int? Revision { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Where the release was read: <c>repository</c>, or <c>cluster</c> when only the cluster runs it.</summary>
    public string Source { get; init; } = AdoptionSources.Repository;

    /// <summary>The live cilium-config against the adopted settings, when the cluster is connected: drift that exists before adoption.</summary>
    public LiveDriftReport? LiveDrift { get; init; }
}

public static class AdoptionSources
{
    public const string Repository = "repository";
    public const string Cluster = "cluster";
}

/// <param name="Observed">Whether cilium-config could be read and compared.</param>
public sealed record LiveDriftReport(bool Observed, IReadOnlyList<LiveDrift> Keys, string? Note);

public abstract record AdoptionOutcome
{
    public sealed record Adopted(AdoptionReport Report) : AdoptionOutcome;
    public sealed record Previewed(AdoptionReport Report) : AdoptionOutcome;
    public sealed record AlreadyManaged(int Revision) : AdoptionOutcome;
    public sealed record NothingToAdopt(string Path) : AdoptionOutcome;
    public sealed record RepositoryUnreachable(string Reason) : AdoptionOutcome;
    public sealed record NotAdoptable(string Reason) : AdoptionOutcome;
    public sealed record ChartUnavailable(string Reason) : AdoptionOutcome;

    /// <summary>Rendering the adopted settings would change Helm values or Talos patch keys: never stored.</summary>
    public sealed record WouldChangeValues(AdoptionReport Report) : AdoptionOutcome;

    /// <summary>The next commit would rewrite other fields or drop references; stored only with <c>allowRewrites</c>.</summary>
    public sealed record WouldRewrite(AdoptionReport Report) : AdoptionOutcome;
}

/// <summary>
/// Adopts the Cilium release a repository already holds: reads the managed files at the branch
/// head, maps them with Core's <see cref="ReleaseAdoption"/>, proves that rendering reproduces the
/// values, and stores the result as a revision (source <c>adopt</c>) that points at the commit it
/// read. Nothing is committed: the repository already says what the revision says.
/// </summary>
public sealed class ClusterAdoption(
    ControlApiDbContext db,
    WriteTurns writeTurns,
    AuditLog audit,
    AdoptionStatus status,
    AdoptionStateCache cache,
    IGitOpsRepository repository,
    Charts.ChartCatalog charts,
    Tracking.TrackScheduler tracking,
    Commits.CommitScheduler commits,
    LiveReleaseProbe live,
    DataPaths paths,
    TimeProvider time,
    ILogger<ClusterAdoption> logger)
{
    public async Task<AdoptionOutcome> AdoptAsync(AdoptionRequest request, CancellationToken cancellationToken)
    {
        var cluster = request.Cluster;
        if (await CurrentManagedRevisionAsync(cluster.Id, cancellationToken) is { } managed)
            return new AdoptionOutcome.AlreadyManaged(managed);

        RemoteFiles remote;
        try
        {
            remote = await repository.ReadFilesAsync(GitOpsTargets.For(cluster, paths), ManifestRenderer.OwnedPaths(cluster.Profile), cancellationToken);
        }
        catch (GitCommandException ex)
        {
            return new AdoptionOutcome.RepositoryUnreachable($"The GitOps repository could not be read: {ex.Message}");
        }
        var releasePath = ManifestRenderer.CiliumFilePath(cluster.Profile, ManifestRenderer.ReleaseFile);
        var fromCluster = false;
        if (remote.Files.GetValueOrDefault(releasePath) is null)
        {
            // No release in the repository: the cluster may run one applied from elsewhere. Its live
            // spec is then what there is to adopt, and the adopted revision is committed to put it under GitOps.
            LiveHelmRelease? running;
            try
            {
                running = await live.ReadAsync(cluster, cancellationToken);
            }
            catch (Probes.ClusterUnreachableException ex)
            {
                return new AdoptionOutcome.RepositoryUnreachable($"The repository holds no release and the cluster could not be read: {ex.Message}");
            }
            if (running is null || !running.IsForeign(cluster)) return new AdoptionOutcome.NothingToAdopt(releasePath);
            remote = remote with { Files = new Dictionary<string, string?>(remote.Files) { [releasePath] = LiveReleaseFile(running) } };
            fromCluster = true;
        }

        // The chart the release names, from the repository the cluster is configured with.
        var version = ChartVersionOf(remote.Files[releasePath]!) ?? cluster.Profile.Chart.Version;
        var lookup = await charts.GetAsync(cluster.Profile.Chart.Repository, FluxResourceBuilder.ChartName, version, cancellationToken);
        if (lookup.Chart is not { } chart) return new AdoptionOutcome.ChartUnavailable(lookup.Error!);

        AdoptionResult result;
        try
        {
            result = ReleaseAdoption.Adopt(cluster.Profile, remote.Files, chart);
        }
        catch (AdoptionException ex)
        {
            return new AdoptionOutcome.NotAdoptable(ex.Message);
        }

        var validation = SettingsValidator.Validate(cluster.Profile, result.Settings, null, chart);
        var report = new AdoptionReport(
            cluster.Id, remote.HeadSha, new AdoptedChart(result.ChartName, version, cluster.Profile.Chart.Repository), result.Settings,
            result.Keys, result.WouldChange, result.Rewrites, result.Additions,
            [.. validation.Errors.Select(IssueResource.From), .. validation.Warnings.Select(IssueResource.From)])
        {
            DryRun = request.DryRun,
            Source = fromCluster ? AdoptionSources.Cluster : AdoptionSources.Repository,
            LiveDrift = await LiveDriftAsync(cluster, result.Settings, cancellationToken),
        };

        if (result.WouldChange.Count > 0) return new AdoptionOutcome.WouldChangeValues(report);
        if (request.DryRun) return new AdoptionOutcome.Previewed(report);
        if (!request.AllowRewrites && (result.Rewrites.Count > 0 || result.NotImportable.Count > 0))
            return new AdoptionOutcome.WouldRewrite(report);

        return await StoreAsync(request, report, remote, fromCluster, cancellationToken);
    }

    /// <summary>The drift of the live cilium-config from the adopted settings, when the cluster is connected (before anyone changes anything).</summary>
    private async Task<LiveDriftReport?> LiveDriftAsync(ManagedCluster cluster, CiliumSettings settings, CancellationToken cancellationToken)
    {
        if (!cluster.Kubernetes.IsConfigured) return null;
        try
        {
            var drift = await live.DriftAsync(cluster, settings, cancellationToken);
            return drift is null
                ? new LiveDriftReport(false, [], "The cluster has no cilium-config ConfigMap.")
                : new LiveDriftReport(true, drift, null);
        }
        catch (Probes.ClusterUnreachableException ex)
        {
            return new LiveDriftReport(false, [], $"The cluster could not be read: {ex.Message}");
        }
    }

    /// <summary>The live HelmRelease as a release file: what the repository would have held.</summary>
    private static string LiveReleaseFile(LiveHelmRelease running)
    {
        var live = (Core.Rendering.Yaml.YamlMap)ValueTree.FromJson(running.Object);
        var metadata = live["metadata"] as Core.Rendering.Yaml.YamlMap;
        var release = new Core.Rendering.Yaml.YamlMap()
            .Add("apiVersion", "helm.toolkit.fluxcd.io/v2")
            .Add("kind", "HelmRelease")
            .Add("metadata", new Core.Rendering.Yaml.YamlMap()
                .Add("name", (metadata?["name"] as Core.Rendering.Yaml.YamlScalar)?.Text ?? "cilium")
                .Add("namespace", (metadata?["namespace"] as Core.Rendering.Yaml.YamlScalar)?.Text ?? "kube-system"))
            .Add("spec", live["spec"] ?? new Core.Rendering.Yaml.YamlMap());
        return Core.Rendering.Yaml.YamlWriter.Write(release);
    }

    private async Task<AdoptionOutcome> StoreAsync(AdoptionRequest request, AdoptionReport report, RemoteFiles remote, bool fromCluster, CancellationToken cancellationToken)
    {
        var cluster = request.Cluster;
        Revision revision;
        await using (var turn = await writeTurns.BeginAsync(db, WriteScope.Cluster(cluster.Id), cancellationToken))
        {
            // Someone may have adopted or committed since the check above.
            if (await CurrentManagedRevisionAsync(cluster.Id, cancellationToken) is { } managed)
                return new AdoptionOutcome.AlreadyManaged(managed);

            var now = time.GetUtcNow();
            var number = (await db.Revisions.Where(r => r.ClusterId == cluster.Id).MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0) + 1;

            // Revisions accepted while the repository could not be read never reached it; they were
            // meant for settings nobody knew, so adoption ends them rather than let them overwrite the release.
            var pending = await db.Outbox.Where(m => m.ClusterId == cluster.Id && m.ProcessedAt == null).ToListAsync(cancellationToken);
            foreach (var message in pending)
            {
                message.ProcessedAt = now;
                message.LastError = $"Superseded by adoption (revision {number}) before it reached the repository.";
                var stale = await db.Revisions.Include(r => r.Timeline).SingleAsync(r => r.Id == message.RevisionId, cancellationToken);
                if (RevisionLifecycle.MoveTo(stale, RevisionState.Superseded, now, $"Revision {number} adopted the release the repository already held; this one was never committed."))
                    await audit.AppendAsync(db, new AuditEntry(AuditKinds.RevisionSuperseded, cluster.Id, stale.Number, AuditSources.System, AuditSources.System,
                        $"{cluster.Id} revision {stale.Number} superseded by adoption (revision {number})", new { supersededBy = number }), cancellationToken);
            }

            var committed = $"Adopted from commit {Short(remote.HeadSha)}; nothing was committed.";
            var state = fromCluster ? RevisionState.Accepted : RevisionState.Committed;
            revision = new Revision
            {
                ClusterId = cluster.Id,
                Number = number,
                SettingsJson = SettingsJson.Serialize(report.Settings),
                Author = request.Actor,
                OnBehalfOf = request.OnBehalfOf,
                Reason = request.Reason ?? "adopt the existing Cilium release",
                Source = AuditSources.Adopt,
                WarningsJson = JsonSerializer.Serialize(report.Findings, ApiJson.Options),
                ValueChangesJson = "[]",
                AdoptedFilesJson = JsonSerializer.Serialize(remote.Files),
                CreatedAt = now,
                State = state.ToString(),
                StateChangedAt = now,
                CommitSha = fromCluster ? null : remote.HeadSha,
                Timeline = fromCluster
                    ? [new RevisionTransition { State = nameof(RevisionState.Accepted), At = now, Message = "Adopted from the release the cluster runs; committed to put it into the repository." }]
                    :
                    [
                        new RevisionTransition { State = nameof(RevisionState.Accepted), At = now, Message = request.Reason ?? "adopt the existing Cilium release" },
                        new RevisionTransition { State = nameof(RevisionState.Committed), At = now, Message = committed },
                    ],
            };
            db.Revisions.Add(revision);
            await db.SaveChangesAsync(cancellationToken);
            // Adopted from the cluster, the release is not in the repository yet: commit it like a change.
            if (fromCluster)
                db.Outbox.Add(new OutboxMessage { ClusterId = cluster.Id, RevisionId = revision.Id, RevisionNumber = revision.Number, CreatedAt = now });
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.ClusterAdopted, cluster.Id, number, request.Actor, AuditSources.Api,
                $"{cluster.Id} revision {number}: adopted the Cilium release at commit {Short(remote.HeadSha)} ({report.Keys.Count(k => k.As == AdoptedAs.Typed)} typed, {report.Keys.Count(k => k.As == AdoptedAs.Extra)} extra, {report.Keys.Count(k => k.As == AdoptedAs.NotImportable)} not importable)",
                new
                {
                    onBehalfOf = request.OnBehalfOf, reason = request.Reason, commit = remote.HeadSha, chart = report.Chart,
                    keys = report.Keys.Select(k => new { k.Path, k.As, k.Member, k.Reason }),
                    rewrites = report.Rewrites.Select(r => r.ToString()), additions = report.Additions.Select(a => a.ToString()),
                    findings = report.Findings.Select(f => f.Code),
                }), cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }

        cache.Forget(cluster.Id);
        logger.LogInformation("Adopted the Cilium release of {Cluster} at {Commit} as revision {Revision}", cluster.Id, remote.HeadSha, revision.Number);
        if (fromCluster) commits.ScheduleNow(cluster.Id);
        // Follow it like a commit: Flux has applied that commit (or a later one), so the tracker can verify the live state.
        else tracking.Track(cluster.Id, revision.Number);
        return new AdoptionOutcome.Adopted(report with { Revision = revision.Number });
    }

    private async Task<int?> CurrentManagedRevisionAsync(string clusterId, CancellationToken cancellationToken) =>
        await status.IsManagedAsync(clusterId, cancellationToken)
            ? await db.Revisions.Where(r => r.ClusterId == clusterId).MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0
            : null;

    private static string? ChartVersionOf(string releaseYaml)
    {
        try
        {
            return Core.Rendering.Yaml.YamlReader.ReadDocuments(releaseYaml).OfType<Core.Rendering.Yaml.YamlMap>()
                .Where(ValueChanges.IsHelmRelease)
                .Select(d => (ValueTree.Lookup(d, ["spec", "chart", "spec", "version"]) as Core.Rendering.Yaml.YamlScalar)?.Text)
                .FirstOrDefault();
        }
        catch (Core.Rendering.Yaml.YamlReader.YamlReadException)
        {
            return null; // Core reports the file itself.
        }
    }

    private static string Short(string? sha) => GitOps.CommitIds.Short(sha, "(none)");
}
