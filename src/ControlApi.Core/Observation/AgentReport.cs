using System.Text.Json;

namespace ControlApi.Core.Observation;

/// <summary>
/// What one Cilium agent said: its parsed <c>StatusResponse</c> (<c>cilium-dbg status -o json</c>),
/// its <c>--brief</c> health line when asked, or why it could not be read.
/// </summary>
public sealed record AgentReport(string Pod, string? Node, JsonElement? Status, string? Brief = null, string? Error = null)
{
    public bool Readable => Status is not null && Error is null;
}

/// <summary>The CiliumNodes and which lack a WireGuard public key (annotation <c>network.cilium.io/wg-pub-key</c>).</summary>
public sealed record WireGuardKeys(int Nodes, IReadOnlyList<string> NodesWithoutKey)
{
    public const string Annotation = "network.cilium.io/wg-pub-key";

    public int NodesWithKey => Nodes - NodesWithoutKey.Count;
}
