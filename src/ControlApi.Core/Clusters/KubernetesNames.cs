using System.Text.RegularExpressions;

namespace ControlApi.Core.Clusters;

/// <summary>RFC 1123 names as Kubernetes validates them (labels ≤ 63, subdomains ≤ 253).</summary>
public static partial class KubernetesNames
{
    // \z, not $: .NET's $ also matches before a final '\n', which would let "name\n" (a YAML line break) through.
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex Label();

    public static bool IsDnsLabel(string? value) => value is { Length: > 0 and <= 63 } && Label().IsMatch(value);

    public static bool IsDnsSubdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && value.Split('.').All(IsDnsLabel);
}
