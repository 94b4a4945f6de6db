using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Rendering;

/// <summary>
/// The Flux objects that install Cilium: a HelmRepository (<c>source.toolkit.fluxcd.io/v1</c>) and a
/// HelmRelease (<c>helm.toolkit.fluxcd.io/v2</c>), the API versions the pinned CRDs serve
/// (flux/NOTES.md "API versions"). Keys follow Kubernetes' order: apiVersion, kind, metadata, spec.
/// </summary>
public static class FluxResourceBuilder
{
    public const string ChartName = "cilium";

    /// <summary>Helm retries before Flux gives up (Stalled, RetriesExceeded); 3 rides out a flaky pull.</summary>
    public const int RemediationRetries = 3;

    public static YamlMap HelmRepository(ClusterProfile cluster) => new YamlMap()
        .Add("apiVersion", "source.toolkit.fluxcd.io/v1")
        .Add("kind", "HelmRepository")
        .Add("metadata", Metadata(cluster.HelmRepository))
        .Add("spec", new YamlMap()
            .Add("interval", GoDuration.Format(cluster.Flux.HelmRepositoryInterval))
            .Add("url", cluster.Chart.Repository));

    /// <summary>helm-controller's drift detection modes (HelmRelease CRD, <c>spec.driftDetection.mode</c> enum).</summary>
    public static readonly IReadOnlyList<string> DriftDetectionModes = ["disabled", "warn", "enabled"];

    public static YamlMap HelmRelease(ClusterProfile cluster, CiliumSettings settings, YamlMap values)
    {
        var spec = HelmReleaseSpec(cluster, settings);
        if (cluster.HelmDriftDetection is { } mode) spec.Add("driftDetection", new YamlMap().Add("mode", mode));
        return new YamlMap()
            .Add("apiVersion", "helm.toolkit.fluxcd.io/v2")
            .Add("kind", "HelmRelease")
            .Add("metadata", Metadata(cluster.HelmRelease))
            .Add("spec", spec.Add("values", values));
    }

    private static YamlMap HelmReleaseSpec(ClusterProfile cluster, CiliumSettings settings) => new YamlMap()
            .Add("interval", GoDuration.Format(cluster.Flux.HelmReleaseInterval))
            .Add("timeout", GoDuration.Format(cluster.Flux.HelmReleaseTimeout))
            .Add("chart", new YamlMap().Add("spec", new YamlMap()
                .Add("chart", ChartName)
                .Add("version", EffectiveChartVersion(cluster, settings))
                .Add("sourceRef", new YamlMap()
                    .Add("kind", "HelmRepository")
                    .Add("name", cluster.HelmRepository.Name)
                    .Add("namespace", cluster.HelmRepository.Namespace))))
            // A failed install is uninstalled and retried; a failed upgrade rolls back, also after
            // the last retry, so the cluster keeps the last working agents (helm-controller remediation).
            .Add("install", new YamlMap().Add("remediation", new YamlMap()
                .Add("retries", RemediationRetries)))
            .Add("upgrade", new YamlMap().Add("remediation", new YamlMap()
                .Add("retries", RemediationRetries)
                .Add("remediateLastFailure", true)));

    /// <summary><c>settings.ChartVersion</c>, or the cluster's configured version when it is <c>null</c>.</summary>
    public static string EffectiveChartVersion(ClusterProfile cluster, CiliumSettings settings) =>
        settings.ChartVersion ?? cluster.Chart.Version;

    internal static YamlMap Metadata(ObjectRef reference) => new YamlMap()
        .Add("name", reference.Name)
        .Add("namespace", reference.Namespace);
}
