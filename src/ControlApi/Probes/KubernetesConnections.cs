using System.Collections.Concurrent;
using ControlApi.Configuration;
using k8s;
using Microsoft.Extensions.Options;

namespace ControlApi.Probes;

/// <summary>
/// One KubernetesClient per cluster (kubeconfig path + context, or the pod's service account),
/// created on first use and kept: its HTTP connections are reused by every probe and watch.
/// </summary>
public sealed class KubernetesConnections(IHostEnvironment environment, IOptions<ProbeOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, ClusterConnection> _connections = new(StringComparer.Ordinal);
    private readonly Lock _creating = new();

    /// <summary>The connection to a cluster, or null when the cluster has no Kubernetes access configured.</summary>
    /// <exception cref="ClusterUnreachableException">The kubeconfig (or in-cluster account) cannot be loaded.</exception>
    public ClusterConnection? For(ManagedCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (!cluster.Kubernetes.IsConfigured) return null;
        if (_connections.TryGetValue(cluster.Id, out var existing)) return existing;
        lock (_creating)
        {
            if (_connections.TryGetValue(cluster.Id, out existing)) return existing;
            // Not cached on failure: a kubeconfig that appears later (mounted secret) is picked up.
            var created = new ClusterConnection(cluster.Id, Load(cluster.Kubernetes), options.Value);
            _connections[cluster.Id] = created;
            return created;
        }
    }

    private KubernetesClientConfiguration Load(KubernetesOptions kubernetes)
    {
        try
        {
            if (kubernetes.InCluster) return KubernetesClientConfiguration.InClusterConfig();
            var path = Path.GetFullPath(kubernetes.Kubeconfig!, environment.ContentRootPath);
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, string.IsNullOrWhiteSpace(kubernetes.Context) ? null : kubernetes.Context);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new ClusterUnreachableException($"the Kubernetes configuration cannot be loaded ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values) connection.Dispose();
        _connections.Clear();
    }
}

/// <summary>A cluster's client, with counters of the requests and execs it made (for the status and the benchmark).</summary>
public sealed class ClusterConnection : IDisposable
{
    private readonly RequestCounter _counter = new();
    private long _execs;

    internal ClusterConnection(string clusterId, KubernetesClientConfiguration configuration, ProbeOptions options)
    {
        ClusterId = clusterId;
        Client = new k8s.Kubernetes(configuration, _counter);
        Options = options;
    }

    public string ClusterId { get; }
    public IKubernetes Client { get; }
    internal ProbeOptions Options { get; }

    /// <summary>HTTP requests sent so far (GET, LIST pages, PATCH, watch opens); execs are counted apart.</summary>
    public long Requests => _counter.Count;
    public long Execs => Interlocked.Read(ref _execs);

    /// <summary>
    /// The agent CLI that answered last time: <c>cilium-dbg</c> since Cilium 1.15, <c>cilium</c>
    /// before. Remembered so an older cluster does not pay a failed exec on every agent.
    /// </summary>
    internal string? AgentCli { get; set; }

    internal void CountExec() => Interlocked.Increment(ref _execs);

    public void Dispose() => Client.Dispose();

    private sealed class RequestCounter : DelegatingHandler
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>The cluster could not be observed at all: what went wrong, in words for the status and the audit.</summary>
public sealed class ClusterUnreachableException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Reason => Message;
}
