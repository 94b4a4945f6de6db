using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.TestCluster.Simulator;
using ControlApi.Tests.TestCluster.Support;
using k8s;

namespace ControlApi.Tests.TestCluster;

/// <summary>What the simulator says uses only field names the upstream schemas in shared/reference declare.</summary>
public sealed class UpstreamShapeTests
{
    [Fact]
    public void Agent_status_json_uses_only_fields_of_the_agents_StatusResponse_schema()
    {
        var openApi = SchemaFields.LoadYaml(SchemaFields.ReferencePath("cilium", "agent-openapi.yaml"));
        var definitions = openApi["definitions"]!;
        var config = new Dictionary<string, string>
        {
            ["enable-wireguard"] = "true", ["encrypt-node"] = "true", ["enable-host-firewall"] = "true",
            ["enable-bandwidth-manager"] = "true", ["enable-bbr"] = "true", ["enable-l7-proxy"] = "true",
            ["enable-hubble"] = "true", ["kube-proxy-replacement"] = "true", ["enable-bpf-masquerade"] = "true",
            ["routing-mode"] = "tunnel", ["tunnel-protocol"] = "vxlan",
        };
        var ipsec = new Dictionary<string, string> { ["enable-ipsec"] = "true", ["routing-mode"] = "native" };

        foreach (var (agentConfig, controlPlane) in new[] { (config, false), (config, true), (ipsec, false) })
        {
            var status = AgentStatusFactory.StatusJson(new AgentView("node-01", controlPlane, agentConfig, 16, "a2V5", AgentHealth.Healthy, ["flannel.1"]));
            Assert.Empty(SchemaFields.Undeclared(status, definitions["StatusResponse"]!, definitions));
        }
        // The check has teeth: a misspelled field is caught.
        var misspelled = new JsonObject { ["encryption"] = new JsonObject { ["wireguard"] = new JsonObject { ["interfaces"] = new JsonArray(new JsonObject { ["peers-count"] = 16 }) } } };
        Assert.Equal([".encryption.wireguard.interfaces[0].peers-count"], SchemaFields.Undeclared(misspelled, definitions["StatusResponse"]!, definitions));
    }

    [Fact]
    public async Task Flux_objects_use_only_spec_and_status_fields_of_the_flux_crds()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync(o => o with { HealthCheckTimeout = TimeSpan.FromSeconds(1) });
        cluster.Simulator.FailNextUpgrade();
        var mark = cluster.Simulator.Log.LastSequence;
        await cluster.CommitAsync(SimulatedClusterFixture.WireguardOn);
        await cluster.Simulator.WaitForStepAsync(s => s.Kind == SimulatorStepKind.KustomizationFailed, TimeSpan.FromSeconds(60), mark);

        var objects = new (string Crd, string Group, string Version, string Namespace, string Plural, string Name)[]
        {
            ("helmreleases.crd.yaml", "helm.toolkit.fluxcd.io", "v2", "kube-system", "helmreleases", "cilium"),
            ("kustomizations.crd.yaml", "kustomize.toolkit.fluxcd.io", "v1", "flux-system", "kustomizations", "cilium"),
            ("gitrepositories.crd.yaml", "source.toolkit.fluxcd.io", "v1", "flux-system", "gitrepositories", "flux-system"),
            ("helmrepositories.crd.yaml", "source.toolkit.fluxcd.io", "v1", "flux-system", "helmrepositories", "cilium"),
        };
        foreach (var (crd, group, version, ns, plural, name) in objects)
        {
            var schema = SchemaFields.CrdSchema(SchemaFields.ReferencePath("flux", crd));
            var obj = JsonNode.Parse(((JsonElement)await cluster.Api.Client.CustomObjects.GetNamespacedCustomObjectAsync(group, version, ns, plural, name)).GetRawText())!;
            Assert.NotNull(obj["status"]);
            foreach (var part in new[] { "spec", "status" })
                Assert.Empty(SchemaFields.Undeclared(obj[part], schema["properties"]![part]!, path: $"{plural}.{part}"));
        }
    }

    [Fact]
    public async Task Ciliumnodes_use_only_fields_of_the_ciliumnode_crd()
    {
        await using var cluster = await SimulatedClusterFixture.StartAsync(initial: SimulatedClusterFixture.WireguardOn);
        var schema = SchemaFields.CrdSchema(SchemaFields.ReferencePath("cilium", "crds", "ciliumnodes.yaml"));
        var node = JsonNode.Parse(((JsonElement)await cluster.Api.Client.CustomObjects.GetClusterCustomObjectAsync("cilium.io", "v2", "ciliumnodes", "node-01")).GetRawText())!;

        Assert.False(string.IsNullOrEmpty((string?)node["metadata"]!["annotations"]!["network.cilium.io/wg-pub-key"]));
        foreach (var part in new[] { "spec", "status" })
            Assert.Empty(SchemaFields.Undeclared(node[part], schema["properties"]![part]!, path: part));
    }
}
