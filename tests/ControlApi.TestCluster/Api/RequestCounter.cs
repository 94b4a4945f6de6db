using System.Collections.Concurrent;

namespace ControlApi.TestCluster.Api;

/// <summary>A request as the API server's audit log names it: verb and resource (with subresource).</summary>
/// <param name="Verb"><c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>; exec is <c>create</c> on <c>pods/exec</c> (the RBAC verb it needs).</param>
/// <param name="Resource">Plural name, qualified by group for non-core groups, plus <c>/subresource</c>: <c>pods</c>, <c>pods/exec</c>, <c>helmreleases.helm.toolkit.fluxcd.io/status</c>.</param>
public readonly record struct RequestKind(string Verb, string Resource)
{
    public override string ToString() => $"{Verb} {Resource}";
}

/// <summary>Counts every request the server handled, so benchmarks can prove requests do not grow per node.</summary>
public sealed class RequestCounter
{
    private readonly ConcurrentDictionary<RequestKind, long> _counts = new();

    public void Record(RequestKind kind) => _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public long this[string verb, string resource] => _counts.GetValueOrDefault(new RequestKind(verb, resource));

    public long Total => _counts.Values.Sum();

    public IReadOnlyDictionary<RequestKind, long> Snapshot() => new Dictionary<RequestKind, long>(_counts);

    public void Reset() => _counts.Clear();
}
