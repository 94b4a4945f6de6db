using ControlApi.Core.Clusters;
using ControlApi.Core.Validation;
using Microsoft.Extensions.Options;

namespace ControlApi.Configuration;

/// <summary>
/// Refuses a configuration that cannot work, before the service takes a request. Each failure
/// names the configuration key, so the fix is obvious from the start-up message.
/// </summary>
public sealed class ControlApiOptionsValidator : IValidateOptions<ControlApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlApiOptions options)
    {
        var failures = new List<string>();
        const string root = ControlApiOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            failures.Add($"{root}:DataDirectory is empty; set it to the folder for the database and working copies.");
        if (options.Clusters.Count == 0)
            failures.Add($"{root}:Clusters is empty; configure at least one cluster.");

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clusters.Count; i++)
        {
            var cluster = options.Clusters[i];
            var key = $"{root}:Clusters:{i}";
            if (!KubernetesNames.IsDnsLabel(cluster.Id))
                failures.Add($"{key}:Id '{cluster.Id}' is not a lowercase slug (RFC 1123 label, e.g. goldentooth).");
            else if (seen.TryGetValue(cluster.Id, out var first))
                failures.Add($"{key}:Id '{cluster.Id}' duplicates {root}:Clusters:{first}:Id; cluster ids must be unique.");
            else
                seen[cluster.Id] = i;

            ValidateGitOps(cluster.GitOps, $"{key}:GitOps", failures);

            if (!TalosVersion.TryParse(cluster.Talos.Version, out var talos) || !talos.IsSupported)
                failures.Add($"{key}:Talos:Version '{cluster.Talos.Version}' is not a supported Talos version ({TalosVersion.MinimumSupported} to {TalosVersion.MaximumSupported}).");
            if (cluster.Talos.KubePrismPort is < 1 or > 65535)
                failures.Add($"{key}:Talos:KubePrismPort {cluster.Talos.KubePrismPort} is not a TCP port (1-65535; Talos default 7445).");
            if (cluster.Talos.PodSubnets is { } podSubnets)
            {
                if (podSubnets.Count == 0)
                    failures.Add($"{key}:Talos:PodSubnets is empty; list the cluster's IPv4 pod subnets, or remove it for Talos' default {TalosFacts.DefaultPodSubnet}.");
                for (var j = 0; j < podSubnets.Count; j++)
                    if (!Ipv4Ranges.TryParseNetwork(podSubnets[j], out _))
                        failures.Add($"{key}:Talos:PodSubnets:{j} '{podSubnets[j]}' is not an IPv4 network address with prefix length (e.g. {TalosFacts.DefaultPodSubnet}); use the value of the Talos machine config's podSubnets.");
            }

            CheckObjectRef(cluster.Flux.GitRepository, $"{key}:Flux:GitRepository", failures);
            CheckObjectRef(cluster.Flux.Kustomization, $"{key}:Flux:Kustomization", failures);
            CheckObjectRef(cluster.Flux.HelmRelease, $"{key}:Flux:HelmRelease", failures);
            if (!string.IsNullOrWhiteSpace(cluster.Flux.DriftDetection) && !Core.Rendering.FluxResourceBuilder.DriftDetectionModes.Contains(cluster.Flux.DriftDetection))
                failures.Add($"{key}:Flux:DriftDetection '{cluster.Flux.DriftDetection}' is not a helm-controller drift detection mode ({string.Join(", ", Core.Rendering.FluxResourceBuilder.DriftDetectionModes)}); remove it to leave the mode out.");
            if (!string.IsNullOrWhiteSpace(cluster.Canary.NodeSelector) && Core.Canary.NodeSelector.Parse(cluster.Canary.NodeSelector).Error is { } selectorError)
                failures.Add($"{key}:Canary:NodeSelector: {selectorError}");
            if (cluster.Canary.SoakTime < TimeSpan.Zero)
                failures.Add($"{key}:Canary:SoakTime {cluster.Canary.SoakTime} is negative; give how long a verified canary runs before it is promoted, e.g. 00:30:00.");

            if (!Uri.TryCreate(cluster.Chart.Repository, UriKind.Absolute, out var chartUri) || chartUri.Scheme is not ("https" or "http" or "oci"))
                failures.Add($"{key}:Chart:Repository '{cluster.Chart.Repository}' is not an http(s) or oci URL.");
            if (!SettingFormats.IsSupportedChartVersion(cluster.Chart.Version))
                failures.Add($"{key}:Chart:Version '{cluster.Chart.Version}' is not a supported Cilium chart version ({SettingFormats.SupportedChartVersions}).");

            if (cluster.Kubernetes.InCluster && !string.IsNullOrWhiteSpace(cluster.Kubernetes.Kubeconfig))
                failures.Add($"{key}:Kubernetes: set either InCluster or Kubeconfig, not both.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateGitOps(GitOpsOptions git, string key, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(git.Repository))
            failures.Add($"{key}:Repository is empty; give a local path, file://, ssh:// or https:// URL.");
        else if (Uri.TryCreate(git.Repository, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo) && uri.UserInfo.Contains(':'))
            failures.Add($"{key}:Repository carries a password in the URL; put the token in {key}:TokenFile instead.");
        if (string.IsNullOrWhiteSpace(git.Branch) || git.Branch.Contains("..") || git.Branch.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '~' or '^' or ':' or '?' or '*' or '['))
            failures.Add($"{key}:Branch '{git.Branch}' is not a valid git branch name.");
        CheckRepositoryPath(git.CiliumPath, $"{key}:CiliumPath", failures);
        CheckRepositoryPath(git.TalosPatchPath, $"{key}:TalosPatchPath", failures);
        if (git.TalosPatchPath is { } patch && !patch.EndsWith(".yaml", StringComparison.Ordinal) && !patch.EndsWith(".yml", StringComparison.Ordinal))
            failures.Add($"{key}:TalosPatchPath '{patch}' must name a .yaml file.");
        if (string.IsNullOrWhiteSpace(git.AuthorName) || string.IsNullOrWhiteSpace(git.AuthorEmail) || !git.AuthorEmail.Contains('@'))
            failures.Add($"{key}:AuthorName/AuthorEmail must name the commit author (e.g. ControlApi <controlapi@example.org>).");
    }

    /// <summary>A managed path must stay inside the repository: relative, no <c>..</c>, no backslashes.</summary>
    internal static bool IsSafeRepositoryPath(string? path) =>
        !string.IsNullOrWhiteSpace(path)
        && !path.StartsWith('/') && !path.Contains('\\')
        && path.Split('/').All(part => part.Length > 0 && part != "." && part != ".." && part != ".git" && !part.Any(char.IsControl));

    private static void CheckRepositoryPath(string? path, string key, List<string> failures)
    {
        if (!IsSafeRepositoryPath(path))
            failures.Add($"{key} '{path}' must be a relative path inside the repository (no leading '/', no '..', no '.git').");
    }

    private static void CheckObjectRef(string? value, string key, List<string> failures)
    {
        if (!ObjectRef.TryParse(value, out _))
            failures.Add($"{key} '{value}' must be written namespace/name (e.g. flux-system/cilium).");
    }
}
