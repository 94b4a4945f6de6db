namespace ControlApi.TestCluster.Simulator;

public sealed record ClusterSimulatorOptions
{
    /// <summary>The bare GitOps repository Flux's GitRepository points at.</summary>
    public required string RepositoryPath { get; init; }

    public string Branch { get; init; } = "main";

    /// <summary>The Flux Kustomization's <c>spec.path</c>.</summary>
    public string CiliumPath { get; init; } = "./gitops/infrastructure/cilium";

    /// <summary>Nodes (the seed cluster has 17); thousands work for scale tests.</summary>
    public int NodeCount { get; init; } = 17;

    /// <summary>The first nodes carry <c>node-role.kubernetes.io/control-plane</c> (WireGuard node encryption opts them out).</summary>
    public int ControlPlaneNodes { get; init; } = 3;

    /// <summary>How often source-controller looks at the branch (real: the GitRepository interval; here: fast).</summary>
    public TimeSpan GitPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// When true, a new commit is only fetched after someone sets <c>reconcile.fluxcd.io/requestedAt</c>
    /// on the GitRepository, as with a long Flux interval — to prove the caller asks Flux to reconcile.
    /// </summary>
    public bool RequireReconcileRequest { get; init; }

    /// <summary>Delay between Flux's steps (fetch, apply, Helm upgrade).</summary>
    public TimeSpan StepDelay { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>How long an old agent pod stays Terminating.</summary>
    public TimeSpan PodTerminationDelay { get; init; } = TimeSpan.FromMilliseconds(15);

    /// <summary>How long a new agent pod takes from created to Ready.</summary>
    public TimeSpan PodStartDelay { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Helm's upgrade wait; null means the HelmRelease's <c>spec.timeout</c>, or helm-controller's 5m default.</summary>
    public TimeSpan? HelmTimeout { get; init; }

    /// <summary>The Kustomization health check's limit; null means its <c>spec.timeout</c>, else its interval.</summary>
    public TimeSpan? HealthCheckTimeout { get; init; }

    /// <summary>Seeds pod names and WireGuard keys, so two runs with the same seed look alike.</summary>
    public int Seed { get; init; } = 17;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The agents' Hubble clock: what <c>hubble observe --since</c> counts back from and which flows have
    /// happened yet. Apart from <see cref="TimeProvider"/> so a test can age flows out with a fake clock
    /// while the controllers keep running on real time.
    /// </summary>
    public TimeProvider HubbleTimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Helm values the cluster runs when the repository has no HelmRelease at its head yet;
    /// null means the Talos-recommended install (kube-proxy replacement, no encryption).
    /// </summary>
    public string? BootstrapValuesYaml { get; init; }
}
