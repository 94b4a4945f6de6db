using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// <c>continue</c> tokens of paged lists. Like the real server's, a token names the list's
/// resourceVersion and the key to resume after, so later pages come from the same snapshot; the
/// snapshot is kept for <c>lifetime</c> (the real one lasts until etcd compacts, ~5 minutes), after
/// which the token is answered with 410 Expired.
/// </summary>
internal sealed class ContinueTokens(TimeProvider time, TimeSpan lifetime)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ApiResource, long), (ListSnapshot Snapshot, DateTimeOffset CreatedAt)> _snapshots = [];

    public string Issue(ListSnapshot snapshot, string lastKey)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            foreach (var stale in _snapshots.Where(s => now - s.Value.CreatedAt > lifetime).Select(s => s.Key).ToArray())
                _snapshots.Remove(stale);
            _snapshots.TryAdd((snapshot.Resource, snapshot.ResourceVersion), (snapshot, now));
        }
        var token = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = snapshot.ResourceVersion, ["start"] = lastKey + "\u0000" };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(token.ToJsonString()));
    }

    /// <returns>The snapshot and the key after which the next page starts.</returns>
    public (ListSnapshot Snapshot, string AfterKey) Resolve(ApiResource resource, string token)
    {
        long resourceVersion;
        string start;
        try
        {
            var parsed = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!;
            resourceVersion = parsed["rv"]!.GetValue<long>();
            start = parsed["start"]!.GetValue<string>();
        }
        catch (Exception e) when (e is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw new ApiException(ApiStatus.BadRequest($"continue key is not valid: {e.Message}"));
        }

        lock (_gate)
        {
            if (!_snapshots.TryGetValue((resource, resourceVersion), out var entry) || time.GetUtcNow() - entry.CreatedAt > lifetime)
            {
                _snapshots.Remove((resource, resourceVersion));
                throw new ApiException(ApiStatus.ContinueExpired());
            }
            return (entry.Snapshot, start.TrimEnd('\u0000'));
        }
    }

    public void ExpireAll()
    {
        lock (_gate) _snapshots.Clear();
    }
}
