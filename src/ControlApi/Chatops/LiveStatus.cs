using ControlApi.Configuration;

namespace ControlApi.Chatops;

/// <summary>
/// What chat can say about a cluster's live state. <paramref name="TracksRevisions"/> tells the
/// follow-up whether a committed revision will ever move on (Applied … Verified) or the story ends at the commit.
/// </summary>
public sealed record LiveStatus(bool Connected, bool TracksRevisions, string Summary, IReadOnlyList<ChatFact> Facts);

/// <summary>
/// The seam where live cluster status enters chat answers. Until cluster tracking exists every
/// cluster answers from <see cref="ConfigurationLiveStatus"/>; the tracking work registers its own
/// implementation (the last registration wins) and <c>status</c> shows its facts unchanged.
/// </summary>
public interface ILiveStatusSource
{
    Task<LiveStatus> DescribeAsync(ManagedCluster cluster, CancellationToken cancellationToken);
}

/// <summary>Says what the configuration alone can say: whether Kubernetes access is configured at all.</summary>
public sealed class ConfigurationLiveStatus : ILiveStatusSource
{
    public const string NotConnected = "not connected: no Kubernetes access is configured for this cluster";
    public const string NotObserved = "Kubernetes access is configured; live status is not observed yet";

    public Task<LiveStatus> DescribeAsync(ManagedCluster cluster, CancellationToken cancellationToken) =>
        Task.FromResult(new LiveStatus(false, false, cluster.Kubernetes.IsConfigured ? NotObserved : NotConnected, []));
}
