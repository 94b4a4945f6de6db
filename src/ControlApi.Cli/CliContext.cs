using System.Text.Json.Nodes;

namespace ControlApi.Cli;

/// <summary>What every command needs once the command line is parsed: the API, the renderer, the cluster.</summary>
public sealed class CliContext(ApiClient api, Renderer renderer, string? clusterOption)
{
    public ApiClient Api => api;
    public Renderer Render => renderer;

    /// <summary>The --cluster given, else the only cluster the service manages; with several, the person must choose.</summary>
    public async Task<string> ClusterAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(clusterOption)) return clusterOption.Trim();
        var clusters = (await api.GetAsync("clusters", cancellationToken)) as JsonArray ?? [];
        return clusters.Count switch
        {
            1 => Renderer.Text(clusters[0]?["id"]) ?? throw new UsageException("The service's only cluster has no id."),
            0 => throw new UsageException("The service manages no cluster."),
            _ => throw new UsageException($"The service manages {clusters.Count} clusters; choose one with --cluster ({string.Join(", ", clusters.Select(c => Renderer.Text(c?["id"])))})."),
        };
    }

    public static string PathOf(string cluster) => $"clusters/{Uri.EscapeDataString(cluster)}";
}
