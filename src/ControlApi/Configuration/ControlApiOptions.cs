namespace ControlApi.Configuration;

/// <summary>The <c>ControlApi</c> configuration section (root appsettings.json, environment variables override).</summary>
public sealed class ControlApiOptions
{
    public const string SectionName = "ControlApi";

    /// <summary>Where SQLite files, Hangfire storage and git working copies live; relative to the content root.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>How long a start waits for a previous instance on the same data directory to let go of it (a restart) before refusing.</summary>
    public TimeSpan DataDirectoryLockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public List<ClusterOptions> Clusters { get; set; } = [];

    public RequestLimitOptions Limits { get; set; } = new();
}

public sealed class ClusterOptions
{
    public string Id { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public GitOpsOptions GitOps { get; set; } = new();
    public KubernetesOptions Kubernetes { get; set; } = new();
    public TalosOptions Talos { get; set; } = new();
    public FluxOptions Flux { get; set; } = new();
    public ChartOptions Chart { get; set; } = new();

    /// <summary>Roll back automatically when a revision fails after its commit; null takes <c>ControlApi:Tracking:AutoRollback</c>.</summary>
    public bool? AutoRollback { get; set; }

    /// <summary>The cluster's canary defaults (X-Rollout: canary without X-Rollout-Nodes, soak time, automatic promotion).</summary>
    public CanaryOptions Canary { get; set; } = new();
}

/// <summary>How canaries of one cluster run (README "A canary rollout step by step").</summary>
public sealed class CanaryOptions
{
    /// <summary>The nodes a canary runs on when the change names none (kubectl's selector form, e.g. <c>role=canary</c>).</summary>
    public string? NodeSelector { get; set; }

    /// <summary>How long a verified canary runs before <see cref="AutoPromote"/> promotes it.</summary>
    public TimeSpan SoakTime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Promote a verified canary by itself once it has soaked for <see cref="SoakTime"/>; off: an operator promotes.</summary>
    public bool AutoPromote { get; set; }
}

public sealed class GitOpsOptions
{
    /// <summary>Remote URL: a local path (relative to the data directory), <c>file://</c>, <c>ssh://</c>, <c>user@host:path</c> or <c>https://</c>.</summary>
    public string Repository { get; set; } = "";
    public string Branch { get; set; } = "main";
    public string CiliumPath { get; set; } = "gitops/infrastructure/cilium";
    public string TalosPatchPath { get; set; } = "talos/patches/cilium.yaml";
    public string AuthorName { get; set; } = "ControlApi";
    public string AuthorEmail { get; set; } = "controlapi@localhost";
    /// <summary>Deploy key for SSH remotes (file path; the key itself never enters configuration).</summary>
    public string? SshKeyFile { get; set; }
    public string? KnownHostsFile { get; set; }
    /// <summary>File holding an HTTPS token; read when needed, never logged.</summary>
    public string? TokenFile { get; set; }
}

public sealed class KubernetesOptions
{
    public string? Kubeconfig { get; set; }
    public string? Context { get; set; }
    public bool InCluster { get; set; }

    public bool IsConfigured => InCluster || !string.IsNullOrWhiteSpace(Kubeconfig);
}

public sealed class TalosOptions
{
    public string Version { get; set; } = "1.13";
    public int KubePrismPort { get; set; } = 7445;

    /// <summary>
    /// The cluster's IPv4 pod subnets; <c>null</c> = Talos' default 10.244.0.0/16. Nullable rather than
    /// pre-filled, because the configuration binder appends to a list that already has items.
    /// </summary>
    public List<string>? PodSubnets { get; set; }
}

public sealed class FluxOptions
{
    public string GitRepository { get; set; } = "flux-system/flux-system";
    public string Kustomization { get; set; } = "flux-system/cilium";
    public string HelmRelease { get; set; } = "kube-system/cilium";

    /// <summary>Rendered as the HelmRelease's <c>spec.driftDetection.mode</c>: <c>disabled</c>, <c>warn</c> or <c>enabled</c>; unset leaves it out.</summary>
    public string? DriftDetection { get; set; }
}

public sealed class ChartOptions
{
    public string Repository { get; set; } = "https://helm.cilium.io/";
    public string Version { get; set; } = "1.18.2";
}

public sealed class RequestLimitOptions
{
    /// <summary>Largest accepted settings body (SPEC: 64 KiB → 413 beyond).</summary>
    public int MaxSettingsBodyBytes { get; set; } = 64 * 1024;
    public int MaxReasonLength { get; set; } = 500;
    public int MaxOnBehalfOfLength { get; set; } = 200;
    public int MaxIdempotencyKeyLength { get; set; } = 200;
}
