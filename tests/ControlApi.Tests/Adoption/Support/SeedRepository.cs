using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.Adoption.Support;

/// <summary>
/// The seed cluster's GitOps repository before ControlApi: a Cilium HelmRelease written by hand
/// (Talos values, Hubble UI on a LoadBalancer with its external-dns name, BBR, host firewall, VXLAN)
/// plus values ControlApi has no typed member for (operator replicas, resources, tolerations).
/// </summary>
public static class SeedRepository
{
    public const string ReleasePath = "gitops/infrastructure/cilium/release.yaml";
    public const string TalosPatchPath = "talos/patches/cilium.yaml";

    /// <summary>The hand-written values; <paramref name="extraSpec"/> adds lines to the release spec (e.g. valuesFrom).</summary>
    public static string Release(string values = DefaultValues, string extraSpec = "") => $"""
        # Cilium, installed by hand before ControlApi
        ---
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: cilium
          namespace: kube-system
        spec:
          interval: 30m
          timeout: 15m
          chart:
            spec:
              chart: cilium
              version: "1.18.2"
              sourceRef:
                kind: HelmRepository
                name: cilium
                namespace: flux-system
          install:
            remediation:
              retries: 3
          upgrade:
            remediation:
              retries: 3
              remediateLastFailure: true
        {extraSpec}  values:
        {Indent(values, 4)}
        """;

    public const string DefaultValues = """
        ipam:
          mode: kubernetes
        kubeProxyReplacement: true
        k8sServiceHost: localhost
        k8sServicePort: 7445
        securityContext:
          capabilities:
            ciliumAgent: [CHOWN, KILL, NET_ADMIN, NET_RAW, IPC_LOCK, SYS_ADMIN, SYS_RESOURCE, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
            cleanCiliumState: [NET_ADMIN, SYS_ADMIN, SYS_RESOURCE]
        cgroup:
          autoMount:
            enabled: false
          hostRoot: /sys/fs/cgroup
        hubble:
          relay:
            enabled: true
          ui:
            enabled: true
            service:
              type: LoadBalancer
              annotations:
                external-dns.alpha.kubernetes.io/hostname: hubble.goldentooth.net
        bandwidthManager:
          enabled: true
          bbr: true
        bpf:
          masquerade: true
        hostFirewall:
          enabled: true
        routingMode: tunnel
        tunnelProtocol: vxlan
        l7Proxy: true
        rollOutCiliumPods: true
        operator:
          replicas: 1
          rollOutPods: true
        resources:
          limits:
            memory: 1Gi
          requests:
            cpu: 100m
            memory: 512Mi
        tolerations:
          - operator: Exists
        """;

    public const string Repository = """
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata:
          name: cilium
          namespace: flux-system
        spec:
          interval: 1h
          url: {0}
        """;

    public const string Kustomization = """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - repository.yaml
          - release.yaml
        """;

    public const string TalosPatch = """
        cluster:
          network:
            cni:
              name: none
          proxy:
            disabled: true
        """;

    /// <summary>Pushes the seed files as the first commit of <paramref name="remote"/> (an empty bare repository); returns its SHA.</summary>
    public static async Task<string> PushAsync(PlainGit git, string remote, string scratch, string chartRepository, string? release = null)
    {
        var work = Path.Combine(scratch, "seed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        await git.RunAsync(work, "init", "--quiet", "--initial-branch=main");
        Write(work, ReleasePath, release ?? Release());
        Write(work, "gitops/infrastructure/cilium/repository.yaml", Repository.Replace("{0}", chartRepository));
        Write(work, "gitops/infrastructure/cilium/kustomization.yaml", Kustomization);
        Write(work, TalosPatchPath, TalosPatch);
        Write(work, "apps/podinfo.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\n");
        await git.RunAsync(work, "add", "--all");
        await git.RunAsync(work, "commit", "--quiet", "-m", "cilium by hand");
        await git.RunAsync(work, "push", "--quiet", remote, "HEAD:refs/heads/main");
        var sha = (await git.RunAsync(work, "rev-parse", "HEAD")).Trim();
        Directory.Delete(work, recursive: true);
        return sha;
    }

    private static void Write(string root, string path, string content)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content.EndsWith('\n') ? content : content + "\n");
    }

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n').Select(line => line.Length == 0 ? line : new string(' ', spaces) + line));
}
