using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking;
using ControlApi.Tests.Tracking.Support;
using ControlApi.Tests.Webhooks;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Approvals;

/// <summary>An approved change on its whole way (git, Flux, rollout, agents), and the approval events reaching webhooks.</summary>
public sealed class ApprovalPipelineTests
{
    [Fact]
    public async Task Another_operators_approval_commits_the_held_change_and_it_is_tracked_to_Verified()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.PutSettingsAsync(WireGuardTrackingTests.SeedWithoutEncryption, "seed cluster")).StatusCode);
        await cluster.WaitForStateAsync(1, "Verified");
        using var admin = cluster.Service.CreateClient(Role.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/clusters/local/policy", Json("""{"approvals":{"disruptive":1,"dangerous":1,"approvers":"operator"}}"""))).StatusCode);

        var held = await cluster.PatchSettingsAsync("""{"encryption":{"enabled":true,"type":"wireguard","nodeEncryption":false}}""");
        Assert.Equal(HttpStatusCode.Accepted, held.StatusCode);
        Assert.Equal("PendingApproval", (string?)(await held.ReadJsonAsync())["revision"]!["state"]);
        using var bob = cluster.Service.CreateClient(await cluster.Service.CreateKeyAsync("bob", Role.Operator));

        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/api/v1/clusters/local/revisions/2/approve", null)).StatusCode);

        var verified = await cluster.WaitForStateAsync(2, "Verified");
        Assert.Equal(["PendingApproval", "Accepted", "Committed", "Applied", "RolledOut", "Verified"], TrackedCluster.States(verified));
        Assert.True((bool)(await (await bob.GetAsync(TrackedCluster.SettingsUrl)).ReadJsonAsync())["settings"]!["encryption"]!["enabled"]!);
    }

    [Fact]
    public async Task Approval_events_reach_a_webhook_subscribed_to_approval_kinds()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Notifications:RetryBaseDelay"] = "00:00:00.050",
            ["ControlApi:Notifications:SweepInterval"] = "00:00:02",
        });
        using var admin = service.CreateClient(Role.Admin);
        using var alice = service.CreateClient(await service.CreateKeyAsync("alice", Role.Operator));
        using var bob = service.CreateClient(await service.CreateKeyAsync("bob", Role.Operator));
        var hook = new JsonObject { ["url"] = receiver.Url("/hooks/approvals"), ["events"] = new JsonArray("approval."), ["secret"] = "correct-horse-battery-staple-42" };
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/webhooks", Json(hook.ToJsonString()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/clusters/local/policy", Json("""{"approvals":{"dangerous":1,"approvers":"operator"}}"""))).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await alice.PutAsync("/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/api/v1/clusters/local/revisions/1/reject", Json("""{"reason":"not today"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PutAsync("/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/api/v1/clusters/local/revisions/2/approve", null)).StatusCode);

        var received = await Eventually.WaitAsync(() => Task.FromResult<IReadOnlyList<ReceivedRequest>?>(receiver.At("/hooks/approvals")),
            r => r is { Count: >= 4 }, TimeSpan.FromSeconds(30), "four approval events");
        var events = received.Select(r => JsonNode.Parse(r.Body)!).OrderBy(e => (long)e["id"]!).ToList();
        Assert.Equal([AuditKinds.ApprovalRequested, AuditKinds.ApprovalRejected, AuditKinds.ApprovalRequested, AuditKinds.ApprovalGranted],
            events.Select(e => (string)e["kind"]!));
        Assert.Equal("not today", (string?)events[1]["details"]!["reason"]);
        Assert.Equal("bob", (string?)events[3]["details"]!["approver"]);
    }
}
