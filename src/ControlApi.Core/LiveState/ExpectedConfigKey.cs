namespace ControlApi.Core.LiveState;

/// <summary>
/// One key of the live <c>cilium-config</c> ConfigMap as the chart renders it from the desired
/// values. <paramref name="Value"/> <c>null</c> means the key must be <em>absent</em> (the template
/// does not render it), which is different from any string value.
/// </summary>
public sealed record ExpectedConfigKey(string Key, string? Value, string Why)
{
    public bool MustBeAbsent => Value is null;

    public override string ToString() => MustBeAbsent ? $"{Key}: (absent)" : $"{Key}: \"{Value}\"";
}

/// <summary>A live ConfigMap key that differs from the expectation; <paramref name="Live"/> <c>null</c> = absent.</summary>
public sealed record ConfigKeyDrift(ExpectedConfigKey Expected, string? Live)
{
    public string Key => Expected.Key;
    public string Desired => Expected.Value ?? "(absent)";
    public string Actual => Live ?? "(absent)";
}
