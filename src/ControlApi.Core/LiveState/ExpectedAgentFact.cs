namespace ControlApi.Core.LiveState;

/// <summary>
/// Something every Cilium agent's <c>StatusResponse</c> (<c>cilium status -o json</c>,
/// api/v1/openapi.yaml) must show for the desired settings. <paramref name="Path"/> is dotted
/// member names as the API spells them; a segment ending in <c>[*]</c> means "every element, and at
/// least one" (e.g. <c>encryption.wireguard.interfaces[*].peer-count</c>). The live value matches
/// when its text (strings as they are, booleans <c>true</c>/<c>false</c>, numbers as written) is
/// one of <paramref name="Accepted"/>.
/// </summary>
public sealed record ExpectedAgentFact(string Path, IReadOnlyList<string> Accepted, string Why)
{
    public bool Equals(ExpectedAgentFact? other) =>
        other is not null && Path == other.Path && Why == other.Why && Accepted.SequenceEqual(other.Accepted);

    public override int GetHashCode() => HashCode.Combine(Path, Why);

    public override string ToString() => $"{Path} = {string.Join(" | ", Accepted)}";
}

/// <summary>
/// A fact an agent did not show: where (<paramref name="Location"/>, with concrete indexes), and
/// what it showed instead (<paramref name="Live"/> <c>null</c> = missing).
/// </summary>
public sealed record AgentFactMismatch(ExpectedAgentFact Fact, string Location, string? Live)
{
    public string Desired => string.Join(" or ", Fact.Accepted);
    public string Actual => Live ?? "(missing)";

    public override string ToString() => $"{Location}: desired {Desired}, live {Actual} ({Fact.Why})";
}
