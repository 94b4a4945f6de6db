using System.Globalization;
using System.Text.Json;
using ControlApi.Core.Clusters;
using ControlApi.Core.Observation;
using k8s;
using k8s.Models;

namespace ControlApi.Probes;

/// <summary>
/// Reads the GitRepository, Kustomization and HelmRelease of a cluster's Cilium release and asks
/// Flux to reconcile them now. Reads are in that order, so the HelmRelease generation is read after
/// the Kustomization (flux/NOTES.md: the generation is the only link from a HelmRelease to a commit).
/// </summary>
public sealed class FluxProbe
{
    /// <summary>The annotation <c>flux reconcile</c> sets (fluxcd/pkg apis/meta ReconcileRequestAnnotation).</summary>
    public const string ReconcileRequestAnnotation = "reconcile.fluxcd.io/requestedAt";

    /// <summary>A one-off forced Helm upgrade; honoured only when equal to <see cref="ReconcileRequestAnnotation"/> (flux/NOTES.md).</summary>
    public const string ForceRequestAnnotation = "reconcile.fluxcd.io/forceAt";

    /// <summary>
    /// What <c>flux reconcile hr --force</c> does: <c>requestedAt</c> and <c>forceAt</c> set to the same
    /// value on the HelmRelease, so helm-controller upgrades even though nothing changed — writing
    /// the release's objects (cilium-config among them) back as the chart renders them.
    /// </summary>
    public static async Task<string> RequestForcedUpgradeAsync(ClusterConnection connection, ObjectRef helmRelease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stamp = RequestedAt(now);
        var patch = new V1Patch(
            JsonSerializer.Serialize(new { metadata = new { annotations = new Dictionary<string, string> { [ReconcileRequestAnnotation] = stamp, [ForceRequestAnnotation] = stamp } } }),
            V1Patch.PatchType.MergePatch);
        var resource = ApiResources.HelmRelease;
        await KubernetesCalls.RunAsync(connection.Options, $"annotating {resource.Kind} {helmRelease}",
            ct => connection.Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, resource.Group, resource.Version, helmRelease.Namespace, resource.Plural, helmRelease.Name, cancellationToken: ct),
            cancellationToken);
        return stamp;
    }

    public async Task<FluxSnapshot> ReadAsync(ClusterConnection connection, ClusterProfile profile, CancellationToken cancellationToken)
    {
        var source = await ReadAsync(connection, FluxKind.GitRepository, ApiResources.GitRepository, profile.GitRepository, cancellationToken);
        var kustomization = await ReadAsync(connection, FluxKind.Kustomization, ApiResources.Kustomization, profile.Kustomization, cancellationToken);
        var release = await ReadAsync(connection, FluxKind.HelmRelease, ApiResources.HelmRelease, profile.HelmRelease, cancellationToken);
        return new FluxSnapshot(source, kustomization, release);
    }

    public static async Task<FluxObjectStatus> ReadAsync(ClusterConnection connection, FluxKind kind, ApiResource resource, ObjectRef reference, CancellationToken cancellationToken)
    {
        var found = await KubernetesCalls.GetCustomObjectOrNullAsync(connection, resource, reference, cancellationToken);
        return found is { } json ? Parse(kind, reference, json) : FluxObjectStatus.Missing(kind, reference);
    }

    /// <summary>
    /// Sets <c>reconcile.fluxcd.io/requestedAt</c> with a merge patch on the object's metadata, as
    /// <c>flux reconcile</c> does; any new value makes the controller reconcile now.
    /// </summary>
    /// <returns>The value written (RFC 3339 with nanoseconds, like Go's time.RFC3339Nano).</returns>
    public static async Task<string> RequestReconcileAsync(ClusterConnection connection, ApiResource resource, ObjectRef reference, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stamp = RequestedAt(now);
        var patch = new V1Patch(
            JsonSerializer.Serialize(new { metadata = new { annotations = new Dictionary<string, string> { [ReconcileRequestAnnotation] = stamp } } }),
            V1Patch.PatchType.MergePatch);
        await KubernetesCalls.RunAsync(connection.Options, $"annotating {resource.Kind} {reference}",
            ct => connection.Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, resource.Group, resource.Version, reference.Namespace, resource.Plural, reference.Name, cancellationToken: ct),
            cancellationToken);
        return stamp;
    }

    /// <summary>Go's RFC3339Nano: UTC, fractional seconds with trailing zeros dropped.</summary>
    public static string RequestedAt(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }

    public static FluxObjectStatus Parse(FluxKind kind, ObjectRef reference, JsonElement json)
    {
        var conditions = json.Items("status", "conditions").Select(c => new Condition(
            c.String("type") ?? "",
            c.String("status") ?? ConditionStatus.Unknown,
            c.String("reason"),
            c.String("message"),
            c.Long("observedGeneration"),
            c.Time("lastTransitionTime"))).ToList();
        var history = json.Items("status", "history").FirstOrDefault();
        return new FluxObjectStatus(kind, reference, true, json.Long("metadata", "generation"), json.Long("status", "observedGeneration"), conditions)
        {
            ArtifactRevision = json.String("status", "artifact", "revision"),
            LastAppliedRevision = json.String("status", "lastAppliedRevision"),
            LastAttemptedRevision = json.String("status", "lastAttemptedRevision"),
            LastHandledReconcileAt = json.String("status", "lastHandledReconcileAt"),
            LastHandledForceAt = json.String("status", "lastHandledForceAt"),
            ChecksHealth = json.Bool("spec", "wait") || json.Items("spec", "healthChecks").Any(),
            Suspended = json.Bool("spec", "suspend"),
            Terminating = json.String("metadata", "deletionTimestamp") is not null,
            LatestRelease = history.ValueKind == JsonValueKind.Object
                ? new HelmReleaseSnapshot((int)history.Long("version"), history.String("status") ?? "", history.String("chartVersion"), history.String("configDigest"))
                : null,
        };
    }
}
