using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;
using Microsoft.Extensions.Time.Testing;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.HostFirewall;

/// <summary>
/// Audit before enforce against the simulated 17-node cluster: audit mode renders and verifies, the
/// poll collects each agent's AUDIT verdicts, and enforcing is refused while they hit a Talos port.
/// Hubble's clock is a fake one, so flows age out of the window without waiting.
/// </summary>
public sealed class HostFirewallAuditTests
{
    private const string Audit = """{"hostFirewall":{"enabled":true,"mode":"audit"}}""";
    private const string Enforce = """{"hostFirewall":{"mode":"enforce"}}""";
    private const string ShowsDrops = "host-firewall-audit-shows-drops";

    private static Dictionary<string, string?> WithChat() => new()
    {
        ["ControlApi:Tracking:HostFirewallAuditWindow"] = "00:15:00",
        ["ControlApi:Chatops:Slack:SigningSecret"] = ChatopsService.SlackSecret,
        [$"ControlApi:Chatops:Users:slack:{ChatopsService.SlackOperator}"] = "operator",
    };

    private static async Task<(TrackedCluster Cluster, FakeTimeProvider Hubble)> StartInAuditModeAsync()
    {
        var hubble = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = await TrackedCluster.StartAsync(WithChat(), o => o with { HubbleTimeProvider = hubble });
        var accepted = await cluster.PatchSettingsAsync(Audit);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await cluster.WaitForStateAsync(1, "Verified");
        return (cluster, hubble);
    }

    [Fact]
    public async Task Audit_mode_renders_policyAuditMode_and_its_revision_verifies()
    {
        var (cluster, _) = await StartInAuditModeAsync();
        await using var _ = cluster;

        var revision = await cluster.RevisionAsync(1);
        Assert.Equal("audit", (string?)revision["settings"]!["hostFirewall"]!["mode"]);
        Assert.Contains(revision["warnings"]!.AsArray(), w => (string?)w!["code"] == "host-firewall-audit-mode-is-cluster-wide");
        var config = cluster.Server.Store.Get(KubernetesResources.ConfigMaps, "kube-system", "cilium-config")!.ToJsonObject();
        Assert.Equal("true", (string?)config["data"]!["policy-audit-mode"]);
        Assert.Equal("true", (string?)config["data"]!["enable-host-firewall"]);
        var manifests = await (await cluster.Client.GetAsync("/api/v1/clusters/local/cilium/manifests")).Content.ReadAsStringAsync();
        Assert.Contains("policyAuditMode: true", manifests);
    }

    [Fact]
    public async Task Audit_flows_to_6443_on_two_nodes_refuse_enforce_naming_them_until_they_age_out()
    {
        var (cluster, hubble) = await StartInAuditModeAsync();
        await using var _ = cluster;
        cluster.Simulator.AddAuditFlow("node-04", "10.4.0.10", 6443);
        cluster.Simulator.AddAuditFlow("node-04", "10.4.0.10", 6443);
        cluster.Simulator.AddAuditFlow("node-05", "10.4.0.11", 6443);
        cluster.Simulator.AddAuditFlow("node-05", "203.0.113.7", 8080, peerLabel: "reserved:world");

        var status = await PollUntilAsync(cluster, s => (int?)s["hostFirewall"]?["requiredDrops"] == 2, "two required-port drop groups");
        var firewall = status["hostFirewall"]!;
        Assert.Equal("audit", (string?)firewall["mode"]);
        Assert.Equal("refused", (string?)firewall["enforce"]);
        var drops = firewall["wouldBeDrops"]!.AsArray();
        Assert.Equal(3, drops.Count);
        var first = drops[0]!;
        Assert.Equal(("node-04", 6443, "TCP", "ingress", "10.4.0.10", 2L), ((string?)first["node"], (int)first["port"]!, (string?)first["protocol"], (string?)first["direction"], (string?)first["peer"], (long)first["count"]!));
        Assert.Equal("kube-apiserver 6443/TCP", (string?)first["required"]);
        Assert.Contains(drops, d => (int)d!["port"]! == 8080 && d["required"] is null && (string?)d["peerIdentity"] == "reserved:world");

        var refused = await cluster.PatchSettingsAsync(Enforce);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        var error = Assert.Single(problem["errors"]!.AsArray(), e => (string?)e!["code"] == ShowsDrops)!;
        Assert.Equal("/hostFirewall/mode", (string?)error["pointer"]);
        Assert.Contains("node-04", (string?)error["message"]);
        Assert.Contains("node-05", (string?)error["message"]);
        Assert.Contains("6443/TCP", (string?)error["message"]);
        Assert.DoesNotContain("8080", (string?)error["message"]);
        Assert.Equal(404, (int)(await cluster.Client.GetAsync("/api/v1/clusters/local/revisions/2")).StatusCode);

        // Fifteen minutes on, Hubble has nothing newer: the next poll finds the window clean.
        hubble.Advance(TimeSpan.FromMinutes(16));
        await PollUntilAsync(cluster, s => (string?)s["hostFirewall"]?["enforce"] == "allowed", "enforce to be allowed");

        var accepted = await cluster.PatchSettingsAsync(Enforce);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await cluster.WaitForStateAsync(2, "Verified");
        var config = cluster.Server.Store.Get(KubernetesResources.ConfigMaps, "kube-system", "cilium-config")!.ToJsonObject();
        Assert.Equal("false", (string?)config["data"]!["policy-audit-mode"]);
    }

    [Fact]
    public async Task Chat_status_shows_the_audit_verdicts()
    {
        var (cluster, _) = await StartInAuditModeAsync();
        await using var _ = cluster;
        cluster.Simulator.AddAuditFlow("node-07", "10.4.0.12", 10250);
        await PollUntilAsync(cluster, s => (int?)s["hostFirewall"]?["requiredDrops"] == 1, "the kubelet drop");

        var text = await Eventually.WaitAsync(async () => await SlackStatusAsync(cluster),
            t => t!.Contains("Host firewall", StringComparison.Ordinal) && t.Contains("node-07", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "chat to show the audit verdicts");

        Assert.Contains("1 to ports a Talos node needs", text);
        Assert.Contains("kubelet 10250/TCP", text);
        Assert.Contains("Enforce refused", text);
    }

    [Fact]
    public async Task Enforcing_straight_from_disabled_without_an_audit_period_is_refused()
    {
        await using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);
        // The host firewall is off (the defaults); saying so again changes nothing.
        Assert.True((await client.PatchAsync(Settings, MergePatch("""{"hostFirewall":{"enabled":false}}"""))).IsSuccessStatusCode);

        var refused = await client.PatchAsync(Settings, MergePatch("""{"hostFirewall":{"enabled":true,"mode":"enforce"}}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var error = Assert.Single((await refused.ReadJsonAsync())["errors"]!.AsArray(), e => (string?)e!["code"] == ShowsDrops)!;
        Assert.Contains("has not run in audit mode", (string?)error["message"]);
        Assert.Contains("\"mode\":\"audit\"", (string?)error["message"]);
        var current = await (await client.GetAsync(Settings)).ReadJsonAsync();
        Assert.False((bool)current["settings"]!["hostFirewall"]!["enabled"]!);
    }

    [Fact]
    public async Task An_admin_may_override_the_gate_with_a_reason_which_is_audited_and_an_operator_may_not()
    {
        await using var service = new ControlApiFactory();
        var @operator = service.CreateClient(Role.Operator);
        var admin = service.CreateClient(Role.Admin);
        Assert.True((await @operator.PatchAsync(Settings, MergePatch("""{"hostFirewall":{"enabled":false}}"""))).IsSuccessStatusCode);
        const string enable = """{"hostFirewall":{"enabled":true,"mode":"enforce"}}""";

        var byOperator = await @operator.SendAsync(Request(HttpMethod.Patch, Settings, MergePatch(enable),
            ("X-Host-Firewall-Override", "enforce"), ("X-Change-Reason", "lab cluster")));
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal("urn:controlapi:problem:host-firewall-override-needs-admin", (string?)(await byOperator.ReadJsonAsync())["type"]);

        var withoutReason = await admin.SendAsync(Request(HttpMethod.Patch, Settings, MergePatch(enable), ("X-Host-Firewall-Override", "enforce")));
        Assert.Equal(HttpStatusCode.BadRequest, withoutReason.StatusCode);

        var byAdmin = await admin.SendAsync(Request(HttpMethod.Patch, Settings, MergePatch(enable),
            ("X-Host-Firewall-Override", "enforce"), ("X-Change-Reason", "lab cluster, policies tested elsewhere")));
        Assert.Equal(HttpStatusCode.Accepted, byAdmin.StatusCode);
        var change = await byAdmin.ReadJsonAsync();
        Assert.Contains(change["warnings"]!.AsArray(), w => (string?)w!["code"] == "host-firewall-audit-overridden");

        var events = await (await admin.GetAsync($"/api/v1/audit?kind={AuditKinds.HostFirewallEnforceOverride}")).ReadJsonAsync();
        var overridden = Assert.Single(Items(events));
        Assert.Contains("lab cluster, policies tested elsewhere", overridden.ToJsonString());
    }

    private const string Settings = "/api/v1/clusters/local/cilium";

    private static IEnumerable<JsonNode> Items(JsonNode page) =>
        (page is JsonArray array ? array : page["items"]!.AsArray()).Select(i => i!);

    /// <summary>Polls until the status satisfies <paramref name="done"/> (a poll the verification started may land first).</summary>
    private static Task<JsonNode> PollUntilAsync(TrackedCluster cluster, Func<JsonNode, bool> done, string what) =>
        Eventually.WaitAsync(async () => (JsonNode?)await cluster.PollNowAsync(), s => s is not null && done(s), TimeSpan.FromSeconds(90), what)!;

    private static async Task<string> SlackStatusAsync(TrackedCluster cluster)
    {
        var body = ChatopsService.SlackBody("status", userName: $"hf-{Guid.NewGuid():N}");
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/slack") { Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add("X-Slack-Request-Timestamp", at);
        request.Headers.Add("X-Slack-Signature", ChatSigning.Slack(ChatopsService.SlackSecret, at, body));
        var response = await cluster.Service.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).AllText();
    }
}
