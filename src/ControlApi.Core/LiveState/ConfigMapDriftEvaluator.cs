namespace ControlApi.Core.LiveState;

/// <summary>
/// Compares the live <c>cilium-config</c> data with the expected keys: a key expected absent must
/// not be there, any other must have exactly the expected string. Keys ControlApi does not control
/// are ignored.
/// </summary>
public static class ConfigMapDriftEvaluator
{
    public static IReadOnlyList<ConfigKeyDrift> Compare(IEnumerable<ExpectedConfigKey> expected, IReadOnlyDictionary<string, string> liveData)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(liveData);
        var drift = new List<ConfigKeyDrift>();
        foreach (var key in expected)
        {
            var live = liveData.TryGetValue(key.Key, out var value) ? value : null;
            if (!string.Equals(live, key.Value, StringComparison.Ordinal))
                drift.Add(new ConfigKeyDrift(key, live));
        }
        return drift;
    }
}
