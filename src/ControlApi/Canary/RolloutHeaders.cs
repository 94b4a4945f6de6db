using ControlApi.Core.Canary;

namespace ControlApi.Canary;

/// <summary>The headers that ask for a canary: <c>X-Rollout: canary</c> and, optionally, <c>X-Rollout-Nodes</c>.</summary>
public static class RolloutHeaders
{
    public const string RolloutHeader = "X-Rollout";
    public const string NodesHeader = "X-Rollout-Nodes";
    public const string Canary = "canary";
    public const string All = "all";

    /// <summary>Null rollout: everywhere at once. The error names the header and the fix.</summary>
    public static (RolloutRequest? Rollout, string? Error) Parse(HttpRequest request)
    {
        var mode = request.Headers[RolloutHeader].ToString().Trim();
        var nodes = request.Headers[NodesHeader].ToString();
        if (mode.Length == 0 || string.Equals(mode, All, StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(nodes)
                ? (null, null)
                : (null, $"{NodesHeader} needs {RolloutHeader}: {Canary}; send both to try the change on those nodes first, or neither to roll it out everywhere.");
        }
        if (!string.Equals(mode, Canary, StringComparison.OrdinalIgnoreCase))
            return (null, $"{RolloutHeader} '{mode}' is not a rollout; send '{Canary}' (with {NodesHeader}, or the cluster's Canary:NodeSelector) or '{All}'.");
        if (string.IsNullOrWhiteSpace(nodes)) return (new RolloutRequest(null), null);
        var (selector, error) = NodeSelector.Parse(nodes);
        return selector is null ? (null, $"{NodesHeader}: {error}") : (new RolloutRequest(selector), null);
    }
}

public static class CanaryLinks
{
    public static string Promote(string cluster, int number) => $"/api/v1/clusters/{cluster}/revisions/{number}/promote";
}
