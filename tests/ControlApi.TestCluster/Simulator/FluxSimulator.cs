using System.Globalization;
using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary>
/// source-, kustomize- and helm-controller for the one GitRepository, Kustomization and HelmRelease
/// ControlApi follows, with the status fields, condition reasons and messages of
/// shared/reference/flux/NOTES.md:
/// <list type="number">
/// <item>GitRepository: a new branch head becomes <c>status.artifact.revision</c> <c>main@sha1:…</c>, Ready/ArtifactInStorage.</item>
/// <item>Kustomization: <c>lastAttemptedRevision</c> and Reconciling, the built objects applied (the HelmRelease's
/// generation moves when its spec changed), pruning, then with <c>wait</c> a health check until the HelmRelease is
/// Current: Ready=True <c>ReconciliationSucceeded</c> "Applied revision: …", <c>lastAppliedRevision</c>, Healthy.</item>
/// <item>HelmRelease: on a new generation whose chart or values differ, a Helm upgrade (Reconciling "Running 'upgrade'
/// action …"), the chart's objects applied, Helm waiting for the DaemonSet rollout unless <c>upgrade.disableWait</c>,
/// then Ready=True <c>UpgradeSucceeded</c> and a new <c>history[0]</c> — or <c>UpgradeFailed</c>.</item>
/// </list>
/// Each controller works on the latest state (a newer revision abandons an unfinished health check or Helm wait).
/// </summary>
internal sealed class FluxSimulator(
    ObjectStore store,
    GitOpsSource source,
    CiliumChart chart,
    RolloutSimulator rollout,
    SimulatorStepLog steps,
    ClusterSimulatorOptions options)
{
    public const string HelmReleaseNamespace = "kube-system";
    public const string HelmReleaseName = "cilium";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly Pulse _kustomize = new();
    private readonly Pulse _helm = new();
    private readonly Pulse _helmStatus = new();
    private string? _fetchedCommit;
    private string? _pendingUpgradeFailure;
    private int _failingUpgrades;
    private bool _retryFailedUpgrade;
    private long _handledHelmGeneration;
    private int _releaseVersion = 1;
    private IReadOnlyList<BuiltObject> _inventory = [];

    private long _polls;

    private TimeProvider Time => options.TimeProvider;

    /// <summary>How many times source-controller has looked at the branch (lets a test wait for "it looked and did nothing").</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>The next <paramref name="upgrades"/> Helm upgrades fail with this error.</summary>
    public void FailNextUpgrade(string error, int upgrades = 1)
    {
        lock (_gate)
        {
            _pendingUpgradeFailure = error;
            _failingUpgrades = upgrades;
        }
    }

    /// <summary>
    /// helm-controller's own retry of a failed upgrade (<c>spec.upgrade.remediation.retries</c>, which
    /// ControlApi renders as 3): the next reconcile upgrades the same generation again. When it
    /// happens is the test's to say; a HelmRelease that allows no retries is refused.
    /// </summary>
    public void RetryFailedUpgrade()
    {
        var hr = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName)?.ToJsonObject()
            ?? throw new InvalidOperationException("There is no HelmRelease to retry.");
        if ((hr["spec"]?["upgrade"]?["remediation"]?["retries"]?.GetValue<int>() ?? 0) < 1)
            throw new InvalidOperationException("The HelmRelease allows no upgrade retries (spec.upgrade.remediation.retries).");
        lock (_gate) _retryFailedUpgrade = true;
        _helm.Signal();
    }

    /// <summary>Brings the three Flux objects to "applied and healthy at <paramref name="commit"/>", no steps recorded (the cluster before the test).</summary>
    public void Seed(string? commit, IReadOnlyList<BuiltObject> built, HelmValues values, string chartVersion)
    {
        var now = Time.GetUtcNow();
        store.Create(KubernetesResources.GitRepositories, ClusterObjects.GitRepository($"file://{source.RepositoryPath}", source.Branch));
        store.Create(KubernetesResources.Kustomizations, ClusterObjects.Kustomization(options.CiliumPath));
        if (commit is not null) StoreArtifact(commit, requested: null);
        _fetchedCommit = commit;
        foreach (var obj in built) Apply(obj);
        _inventory = built;
        var revision = commit is null ? null : source.RevisionOf(commit);
        if (revision is not null)
        {
            store.Mutate(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium", ks =>
            {
                SetAttempted(ks, revision);
                Succeed(ks, revision, TimeSpan.FromSeconds(3), now);
            });
        }

        var hr = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName)!.ToJsonObject();
        var generation = Generation(hr);
        store.Mutate(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName, release =>
        {
            StartAttempt(release, values, chartVersion, "install");
            Released(release, "install", values, chartVersion, now);
        });
        _handledHelmGeneration = generation;
        foreach (var repository in built.Where(b => b.Resource == KubernetesResources.HelmRepositories))
            MarkHelmRepositoryReady(repository.Namespace, repository.Name);
    }

    /// <summary>source-controller's poll: fetch a new head (unless a reconcile request is required first) and answer reconcile requests.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var gitRepository = store.Get(KubernetesResources.GitRepositories, ClusterObjects.FluxNamespace, "flux-system")?.ToJsonObject();
        if (gitRepository is null) return;
        var requested = PendingRequest(gitRepository);
        var head = await source.HeadAsync(cancellationToken);
        Interlocked.Increment(ref _polls);
        if (head is not null && head != _fetchedCommit && (!options.RequireReconcileRequest || requested is not null))
        {
            _fetchedCommit = head;
            var revision = source.RevisionOf(head);
            steps.Record(SimulatorStepKind.CommitDetected, "GitRepository/flux-system/flux-system", head, revision, store.ResourceVersion);
            await Task.Delay(options.StepDelay, Time, cancellationToken);
            var stored = StoreArtifact(head, requested);
            steps.Record(SimulatorStepKind.ArtifactStored, "GitRepository/flux-system/flux-system", $"stored artifact for revision '{revision}'", revision, stored.ResourceVersion);
            _kustomize.Signal();
        }
        else if (requested is not null)
        {
            var stored = store.Mutate(KubernetesResources.GitRepositories, ClusterObjects.FluxNamespace, "flux-system", o => o["status"]!["lastHandledReconcileAt"] = requested)!;
            steps.Record(SimulatorStepKind.ReconcileRequestHandled, "GitRepository/flux-system/flux-system", requested, null, stored.ResourceVersion);
        }

        if (PendingRequest(store.Get(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium")?.ToJsonObject()) is not null) _kustomize.Signal();
        if (PendingRequest(store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName)?.ToJsonObject()) is not null) _helm.Signal();
    }

    public async Task RunKustomizationAsync(CancellationToken cancellationToken)
    {
        string? attempted = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = _kustomize.Next;
            var ks = store.Get(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium")?.ToJsonObject();
            var revision = store.Get(KubernetesResources.GitRepositories, ClusterObjects.FluxNamespace, "flux-system")?.ToJsonObject()["status"]?["artifact"]?["revision"]?.GetValue<string>();
            var requested = PendingRequest(ks);
            attempted ??= ks?["status"]?["lastAttemptedRevision"]?.GetValue<string>();
            if (ks is not null && revision is not null && (revision != attempted || requested is not null))
            {
                attempted = revision;
                await ReconcileKustomizationAsync(revision, requested, cancellationToken);
                continue;
            }
            await wake.WaitAsync(cancellationToken);
        }
    }

    public async Task RunHelmReleaseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = _helm.Next;
            var hr = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName)?.ToJsonObject();
            var requested = PendingRequest(hr);
            bool retry;
            lock (_gate) retry = _retryFailedUpgrade;
            if (hr is not null && (Generation(hr) != _handledHelmGeneration || requested is not null || retry))
            {
                await ReconcileHelmReleaseAsync(hr, requested, cancellationToken);
                continue;
            }
            await wake.WaitAsync(cancellationToken);
        }
    }

    private async Task ReconcileKustomizationAsync(string revision, string? requested, CancellationToken cancellationToken)
    {
        var started = Time.GetUtcNow();
        var progressing = store.Mutate(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium", ks =>
        {
            SetAttempted(ks, revision);
            if (requested is not null) ks["status"]!["lastHandledReconcileAt"] = requested;
        })!;
        steps.Record(SimulatorStepKind.KustomizationProgressing, "Kustomization/flux-system/cilium", $"Fetching manifests for revision {revision}", revision, progressing.ResourceVersion);
        await Task.Delay(options.StepDelay, Time, cancellationToken);

        IReadOnlyList<BuiltObject> built;
        try
        {
            built = await FluxManifests.BuildAsync(source, revision[(revision.IndexOf(':') + 1)..], options.CiliumPath, cancellationToken);
        }
        catch (KustomizeBuildException e)
        {
            FailKustomization(revision, "BuildFailed", e.Message, healthy: null);
            return;
        }

        var helmGenerationBefore = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName) is { } before ? Generation(before.ToJsonObject()) : 0;
        foreach (var obj in built) Apply(obj);
        foreach (var gone in _inventory.Where(old => !built.Any(b => b.InventoryId == old.InventoryId)))
            store.TryDelete(gone.Resource, gone.Resource.Namespaced ? gone.Namespace : null, gone.Name);
        _inventory = built;
        foreach (var repository in built.Where(b => b.Resource == KubernetesResources.HelmRepositories))
            MarkHelmRepositoryReady(repository.Namespace, repository.Name);
        var helmRelease = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName);
        var helmGeneration = helmRelease is null ? 0 : Generation(helmRelease.ToJsonObject());
        var applied = store.Mutate(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium", ks =>
        {
            ks["status"]!["inventory"] = new JsonObject
            {
                ["entries"] = new JsonArray(built.Select(b => (JsonNode?)new JsonObject { ["id"] = b.InventoryId, ["v"] = b.Resource.Version }).ToArray()),
            };
            Conditions.Set(ks, "Healthy", "Unknown", "Progressing", $"Running health checks for revision {revision} with a timeout of {GoDuration(KustomizationTimeout(ks))}", Time.GetUtcNow());
        })!;
        steps.Record(SimulatorStepKind.ManifestsApplied, "Kustomization/flux-system/cilium",
            $"{built.Count} objects; HelmRelease generation {helmGenerationBefore} -> {helmGeneration}", revision, applied.ResourceVersion);
        _helm.Signal();

        // wait: true — health check until the HelmRelease is Current, a newer revision arrives, or the timeout.
        var timeout = KustomizationTimeout(applied.ToJsonObject());
        var reportedFailure = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var statusChanged = _helmStatus.Next;
            var newer = _kustomize.Next;
            var hr = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName)?.ToJsonObject();
            if (hr is null || Conditions.IsCurrent(hr))
            {
                var now = Time.GetUtcNow();
                var done = store.Mutate(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium", ks => Succeed(ks, revision, now - started, now))!;
                steps.Record(SimulatorStepKind.KustomizationReady, "Kustomization/flux-system/cilium", $"Applied revision: {revision}", revision, done.ResourceVersion);
                return;
            }
            if (CurrentArtifact() != revision) return;
            var elapsed = Time.GetUtcNow() - started;
            if (!reportedFailure && elapsed >= timeout)
            {
                reportedFailure = true;
                var message = $"health check failed after {GoDuration(elapsed)}: timeout waiting for: [HelmRelease/{HelmReleaseNamespace}/{HelmReleaseName} status: 'InProgress']";
                FailKustomization(revision, "HealthCheckFailed", message, healthy: false);
            }
            // Keep checking after a failure, as the controller's retries would, until healthy or superseded.
            var wait = reportedFailure ? Timeout.InfiniteTimeSpan : timeout - elapsed;
            await Task.WhenAny(statusChanged, newer, Task.Delay(wait, Time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task ReconcileHelmReleaseAsync(JsonObject hr, string? requested, CancellationToken cancellationToken)
    {
        var generation = Generation(hr);
        var values = FluxManifests.ValuesOf(hr);
        var chartVersion = hr["spec"]?["chart"]?["spec"]?["version"]?.GetValue<string>() ?? "*";
        var latest = (hr["status"]?["history"] as JsonArray)?.FirstOrDefault() as JsonObject;
        string? failure;
        bool retrying;
        lock (_gate)
        {
            failure = _pendingUpgradeFailure;
            if (--_failingUpgrades <= 0) _pendingUpgradeFailure = null;
            retrying = _retryFailedUpgrade;
            _retryFailedUpgrade = false;
        }
        _handledHelmGeneration = generation;
        var forced = ForceRequested(hr, requested);

        var inSync = latest is not null
            && latest["status"]?.GetValue<string>() == "deployed"
            && latest["chartVersion"]?.GetValue<string>() == chartVersion
            && latest["configDigest"]?.GetValue<string>() == values.Digest();
        if (inSync && failure is null && !forced)
        {
            // Nothing to release: helm-controller only records that it saw this generation.
            store.Mutate(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName, release =>
            {
                var status = release["status"]!.AsObject();
                status["observedGeneration"] = generation;
                status["lastAttemptedGeneration"] = generation;
                if (requested is not null) status["lastHandledReconcileAt"] = requested;
                foreach (var condition in (status["conditions"] as JsonArray ?? []).OfType<JsonObject>()) condition["observedGeneration"] = generation;
            });
            _helmStatus.Signal();
            return;
        }
        if (failure is null && latest is not null && latest["status"]?.GetValue<string>() == "failed"
            && latest["chartVersion"]?.GetValue<string>() == chartVersion && latest["configDigest"]?.GetValue<string>() == values.Digest() && requested is null && !retrying)
        {
            return; // The same failed release again: only a retry (RetryFailedUpgrade) or a reconcile request upgrades it again.
        }

        var release = ++_releaseVersion;
        var started = store.Mutate(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName, o =>
        {
            StartAttempt(o, values, chartVersion, "upgrade");
            if (requested is not null) o["status"]!["lastHandledReconcileAt"] = requested;
            if (forced) o["status"]!["lastHandledForceAt"] = requested;
            var message = $"Running 'upgrade' action with timeout of {GoDuration(HelmTimeout(o))}";
            Conditions.Set(o, "Reconciling", "True", "Progressing", message, Time.GetUtcNow());
            Conditions.Set(o, "Ready", "Unknown", "Progressing", message, Time.GetUtcNow());
        })!;
        _helmStatus.Signal();
        steps.Record(SimulatorStepKind.HelmUpgradeStarted, $"HelmRelease/{HelmReleaseNamespace}/{HelmReleaseName}", $"generation {generation}, release v{release}", null, started.ResourceVersion);
        await Task.Delay(options.StepDelay, Time, cancellationToken);

        if (failure is not null)
        {
            FailUpgrade(release, chartVersion, values, failure);
            return;
        }
        long daemonSetGeneration;
        try
        {
            daemonSetGeneration = chart.Apply(values, chartVersion, revision: null);
        }
        catch (ChartRenderException e)
        {
            FailUpgrade(release, chartVersion, values, e.Message);
            return;
        }
        rollout.Changed.Signal();

        if (hr["spec"]?["upgrade"]?["disableWait"]?.GetValue<bool>() != true)
        {
            // Helm waits for the DaemonSet to be rolled out (helm-controller waits unless disableWait).
            var deadline = Time.GetUtcNow() + HelmTimeout(hr);
            while (!rollout.IsComplete(daemonSetGeneration))
            {
                var progressed = rollout.Progressed.Next;
                var newer = _helm.Next;
                var left = deadline - Time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    FailUpgrade(release, chartVersion, values, "context deadline exceeded");
                    return;
                }
                await Task.WhenAny(progressed, newer, Task.Delay(left, Time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                var current = store.Get(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName);
                if (current is null || Generation(current.ToJsonObject()) != generation) return; // superseded by a newer spec
            }
        }

        var done = store.Mutate(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName, o => Released(o, "upgrade", values, chartVersion, Time.GetUtcNow()))!;
        _helmStatus.Signal();
        steps.Record(SimulatorStepKind.HelmReleaseReady, $"HelmRelease/{HelmReleaseNamespace}/{HelmReleaseName}",
            Conditions.Find(done.ToJsonObject(), "Ready")?["message"]?.GetValue<string>() ?? "", null, done.ResourceVersion);
    }

    private void StartAttempt(JsonObject release, HelmValues values, string chartVersion, string action)
    {
        var status = release["status"] as JsonObject ?? new JsonObject();
        release["status"] = status;
        status["lastAttemptedGeneration"] = Generation(release);
        status["lastAttemptedRevision"] = chartVersion;
        status["lastAttemptedConfigDigest"] = values.Digest();
        status["lastAttemptedReleaseAction"] = action;
        status["helmChart"] = $"{ClusterObjects.FluxNamespace}/{HelmReleaseNamespace}-{HelmReleaseName}";
        status["storageNamespace"] = HelmReleaseNamespace;
    }

    /// <summary>A successful install or upgrade: history, Released and Ready, observedGeneration.</summary>
    private void Released(JsonObject release, string action, HelmValues values, string chartVersion, DateTimeOffset now)
    {
        var status = release["status"]!.AsObject();
        var history = status["history"] as JsonArray ?? new JsonArray();
        foreach (var old in history.OfType<JsonObject>().Where(h => h["status"]?.GetValue<string>() == "deployed")) old["status"] = "superseded";
        var version = _releaseVersion;
        var firstDeployed = history.OfType<JsonObject>().LastOrDefault()?["firstDeployed"]?.GetValue<string>() ?? KubeTime.Format(now);
        history.Insert(0, Snapshot(version, "deployed", action, chartVersion, values, firstDeployed, now));
        while (history.Count > 5) history.RemoveAt(history.Count - 1);
        status["history"] = history;
        var verb = action == "install" ? "install" : "upgrade";
        var reason = action == "install" ? "InstallSucceeded" : "UpgradeSucceeded";
        var message = $"Helm {verb} succeeded for release {HelmReleaseNamespace}/{HelmReleaseName}.v{version} with chart cilium@{chartVersion}";
        Conditions.Set(release, "Released", "True", reason, message, now);
        Conditions.Set(release, "Ready", "True", reason, message, now);
        Conditions.Remove(release, "Reconciling");
        status["observedGeneration"] = Generation(release);
        status.Remove("failures");
        status.Remove("upgradeFailures");
    }

    private void FailUpgrade(int version, string chartVersion, HelmValues values, string error)
    {
        var now = Time.GetUtcNow();
        var message = $"Helm upgrade failed for release {HelmReleaseNamespace}/{HelmReleaseName} with chart cilium@{chartVersion}: {error}";
        var failed = store.Mutate(KubernetesResources.HelmReleases, HelmReleaseNamespace, HelmReleaseName, release =>
        {
            var status = release["status"]!.AsObject();
            var history = status["history"] as JsonArray ?? new JsonArray();
            var firstDeployed = history.OfType<JsonObject>().LastOrDefault()?["firstDeployed"]?.GetValue<string>() ?? KubeTime.Format(now);
            history.Insert(0, Snapshot(version, "failed", "upgrade", chartVersion, values, firstDeployed, now));
            while (history.Count > 5) history.RemoveAt(history.Count - 1);
            status["history"] = history;
            Conditions.Set(release, "Released", "False", "UpgradeFailed", message, now);
            Conditions.Set(release, "Ready", "False", "UpgradeFailed", message, now);
            Conditions.Remove(release, "Reconciling");
            status["failures"] = (status["failures"]?.GetValue<long>() ?? 0) + 1;
            status["upgradeFailures"] = (status["upgradeFailures"]?.GetValue<long>() ?? 0) + 1;
            status["observedGeneration"] = Generation(release);
        })!;
        _helmStatus.Signal();
        steps.Record(SimulatorStepKind.HelmReleaseFailed, $"HelmRelease/{HelmReleaseNamespace}/{HelmReleaseName}", message, null, failed.ResourceVersion);
    }

    private static JsonObject Snapshot(int version, string state, string action, string chartVersion, HelmValues values, string firstDeployed, DateTimeOffset now) => new()
    {
        ["name"] = HelmReleaseName,
        ["namespace"] = HelmReleaseNamespace,
        ["version"] = version,
        ["status"] = state,
        ["action"] = action,
        ["chartName"] = "cilium",
        ["chartVersion"] = chartVersion,
        ["appVersion"] = chartVersion,
        ["configDigest"] = values.Digest(),
        ["digest"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{version}/{chartVersion}/{values.Digest()}"))),
        ["firstDeployed"] = firstDeployed,
        ["lastDeployed"] = KubeTime.Format(now),
    };

    private void SetAttempted(JsonObject ks, string revision)
    {
        var status = ks["status"] as JsonObject ?? new JsonObject();
        ks["status"] = status;
        status["lastAttemptedRevision"] = revision;
        var now = Time.GetUtcNow();
        Conditions.Set(ks, "Reconciling", "True", "Progressing", $"Fetching manifests for revision {revision} with a timeout of {GoDuration(KustomizationTimeout(ks))}", now);
        Conditions.Set(ks, "Ready", "Unknown", "Progressing", "Reconciliation in progress", now);
    }

    private static void Succeed(JsonObject ks, string revision, TimeSpan took, DateTimeOffset now)
    {
        var status = ks["status"]!.AsObject();
        status["lastAppliedRevision"] = revision;
        status["observedGeneration"] = Generation(ks);
        Conditions.Set(ks, "Ready", "True", "ReconciliationSucceeded", $"Applied revision: {revision}", now);
        Conditions.Set(ks, "Healthy", "True", "Succeeded", $"Health check passed in {GoDuration(took)}", now);
        Conditions.Remove(ks, "Reconciling");
        var history = status["history"] as JsonArray ?? new JsonArray();
        history.Insert(0, new JsonObject
        {
            ["digest"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(revision))),
            ["firstReconciled"] = KubeTime.Format(now),
            ["lastReconciled"] = KubeTime.Format(now),
            ["lastReconciledDuration"] = GoDuration(took),
            ["lastReconciledStatus"] = "ReconciliationSucceeded",
            ["totalReconciliations"] = 1,
            ["metadata"] = new JsonObject { ["revision"] = revision },
        });
        while (history.Count > 5) history.RemoveAt(history.Count - 1);
        status["history"] = history;
    }

    private void FailKustomization(string revision, string reason, string message, bool? healthy)
    {
        var now = Time.GetUtcNow();
        var failed = store.Mutate(KubernetesResources.Kustomizations, ClusterObjects.FluxNamespace, "cilium", ks =>
        {
            Conditions.Set(ks, "Ready", "False", reason, message, now);
            if (healthy is false) Conditions.Set(ks, "Healthy", "False", reason, message, now);
            Conditions.Set(ks, "Reconciling", "True", "ProgressingWithRetry", message, now);
        })!;
        steps.Record(SimulatorStepKind.KustomizationFailed, "Kustomization/flux-system/cilium", $"{reason}: {message}", revision, failed.ResourceVersion);
    }

    /// <summary>Applies a built object as Flux's server-side apply does: its fields replace the stored ones; others' annotations and the status stay.</summary>
    private void Apply(BuiltObject built)
    {
        var manifest = (JsonObject)built.Object.DeepClone();
        var metadata = manifest["metadata"]!.AsObject();
        var labels = metadata["labels"] as JsonObject ?? new JsonObject();
        labels["kustomize.toolkit.fluxcd.io/name"] = "cilium";
        labels["kustomize.toolkit.fluxcd.io/namespace"] = ClusterObjects.FluxNamespace;
        metadata["labels"] = labels;
        var ns = built.Resource.Namespaced ? built.Namespace : null;
        if (ns is { Length: > 0 } && store.Get(KubernetesResources.Namespaces, null, ns) is null)
            store.Create(KubernetesResources.Namespaces, ClusterObjects.Namespace(ns));
        if (store.Get(built.Resource, ns, built.Name) is null)
        {
            store.Create(built.Resource, manifest);
            return;
        }
        store.Mutate(built.Resource, ns, built.Name, current =>
        {
            foreach (var key in current.Select(p => p.Key).Where(k => k is not ("metadata" or "status" or "apiVersion" or "kind") && !manifest.ContainsKey(k)).ToArray())
                current.Remove(key);
            foreach (var (key, value) in manifest.Where(p => p.Key is not ("metadata" or "status")))
                current[key] = value?.DeepClone();
            var currentMetadata = current["metadata"]!.AsObject();
            foreach (var field in new[] { "labels", "annotations" })
            {
                if (metadata[field] is not JsonObject wanted) continue;
                var existing = currentMetadata[field] as JsonObject ?? new JsonObject();
                foreach (var (key, value) in wanted) existing[key] = value?.DeepClone();
                currentMetadata[field] = existing;
            }
        });
    }

    private StoredObject StoreArtifact(string commit, string? requested)
    {
        var revision = source.RevisionOf(commit);
        var now = Time.GetUtcNow();
        return store.Mutate(KubernetesResources.GitRepositories, ClusterObjects.FluxNamespace, "flux-system", repo =>
        {
            var status = repo["status"] as JsonObject ?? new JsonObject();
            repo["status"] = status;
            var path = $"gitrepository/flux-system/flux-system/{commit}.tar.gz";
            status["artifact"] = new JsonObject
            {
                ["digest"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(commit))),
                ["lastUpdateTime"] = KubeTime.Format(now),
                ["path"] = path,
                ["revision"] = revision,
                ["size"] = 4096,
                ["url"] = $"http://source-controller.flux-system.svc.cluster.local./{path}",
            };
            status["observedGeneration"] = Generation(repo);
            if (requested is not null) status["lastHandledReconcileAt"] = requested;
            var message = $"stored artifact for revision '{revision}'";
            Conditions.Set(repo, "Ready", "True", "Succeeded", message, now);
            Conditions.Set(repo, "ArtifactInStorage", "True", "Succeeded", message, now);
        })!;
    }

    private void MarkHelmRepositoryReady(string @namespace, string name)
    {
        var now = Time.GetUtcNow();
        store.Mutate(KubernetesResources.HelmRepositories, @namespace, name, repo =>
        {
            var url = repo["spec"]?["url"]?.GetValue<string>() ?? "";
            var status = repo["status"] as JsonObject ?? new JsonObject();
            repo["status"] = status;
            status["observedGeneration"] = Generation(repo);
            status["artifact"] ??= new JsonObject { ["revision"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url))), ["size"] = 3_145_728 };
            var message = $"stored fetched index of 3.0 MiB from '{url}'";
            Conditions.Set(repo, "Ready", "True", "Succeeded", message, now);
            Conditions.Set(repo, "ArtifactInStorage", "True", "Succeeded", message, now);
        });
    }

    private string? CurrentArtifact() =>
        store.Get(KubernetesResources.GitRepositories, ClusterObjects.FluxNamespace, "flux-system")?.ToJsonObject()["status"]?["artifact"]?["revision"]?.GetValue<string>();

    /// <summary>The <c>requestedAt</c> annotation when it differs from <c>lastHandledReconcileAt</c>: a pending <c>flux reconcile</c>.</summary>
    /// <summary>
    /// A forced upgrade (<c>flux reconcile hr --force</c>): <c>reconcile.fluxcd.io/forceAt</c> equal to
    /// the pending <c>requestedAt</c> and not yet in <c>status.lastHandledForceAt</c> (flux/NOTES.md).
    /// </summary>
    private static bool ForceRequested(JsonObject hr, string? requested) =>
        requested is not null
        && hr["metadata"]?["annotations"]?["reconcile.fluxcd.io/forceAt"]?.GetValue<string>() == requested
        && hr["status"]?["lastHandledForceAt"]?.GetValue<string>() != requested;

    private static string? PendingRequest(JsonObject? obj)
    {
        var requested = obj?["metadata"]?["annotations"]?[ClusterObjects.ReconcileRequestAnnotation]?.GetValue<string>();
        return requested is not null && requested != obj!["status"]?["lastHandledReconcileAt"]?.GetValue<string>() ? requested : null;
    }

    private TimeSpan KustomizationTimeout(JsonObject ks) =>
        options.HealthCheckTimeout ?? ParseGoDuration(ks["spec"]?["timeout"]?.GetValue<string>()) ?? ParseGoDuration(ks["spec"]?["interval"]?.GetValue<string>()) ?? DefaultTimeout;

    private TimeSpan HelmTimeout(JsonObject hr) =>
        options.HelmTimeout ?? ParseGoDuration(hr["spec"]?["timeout"]?.GetValue<string>()) ?? DefaultTimeout;

    private static long Generation(JsonObject obj) => obj["metadata"]?["generation"]?.GetValue<long>() ?? 0;

    /// <summary>Go's <c>time.Duration.String()</c> for the durations Flux prints ("5m0s", "1.234s").</summary>
    internal static string GoDuration(TimeSpan duration)
    {
        if (duration < TimeSpan.FromSeconds(1)) return $"{Math.Round(duration.TotalMilliseconds, 3).ToString(CultureInfo.InvariantCulture)}ms";
        var text = "";
        if (duration.TotalHours >= 1) text += $"{(int)duration.TotalHours}h";
        if (duration.TotalMinutes >= 1) text += $"{duration.Minutes}m";
        var seconds = duration.Seconds + duration.Milliseconds / 1000.0;
        return text + seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
    }

    private static TimeSpan? ParseGoDuration(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var total = TimeSpan.Zero;
        var number = "";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c) || c == '.') { number += c; continue; }
            var unit = c == 'm' && i + 1 < text.Length && text[i + 1] == 's' ? "ms" : c.ToString();
            if (unit == "ms") i++;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return null;
            total += unit switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.Zero,
            };
            number = "";
        }
        return total;
    }
}
