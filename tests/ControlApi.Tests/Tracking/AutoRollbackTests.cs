using ControlApi.Audit;
using ControlApi.Tests.Support;
using ControlApi.Tests.Tracking.Support;

namespace ControlApi.Tests.Tracking;

/// <summary>A revision that fails after its commit is rolled back to the last Verified one — when the cluster asks for it.</summary>
public sealed class AutoRollbackTests
{
    private static readonly string WireGuardOn = """{"encryption":{"enabled":true,"type":"wireguard"}}""";
    private static readonly string WireGuardAndHostFirewall = """{"encryption":{"enabled":true,"type":"wireguard"},"hostFirewall":{"enabled":true}}""";

    [Fact]
    public async Task With_auto_rollback_on_a_failed_Helm_upgrade_makes_a_rollback_revision_that_reaches_Verified()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Clusters:0:AutoRollback"] = "true" });
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.FailNextUpgrade();

        await cluster.PutSettingsAsync(WireGuardAndHostFirewall);

        await cluster.WaitForStateAsync(2, "ReconcileFailed");
        var rollback = await cluster.WaitForStateAsync(3, "Verified", TimeSpan.FromSeconds(90));
        Assert.Equal("auto-rollback", (string?)rollback["source"]);
        Assert.Equal(1, (int?)rollback["rollbackTo"]);
        Assert.Contains("revision 2 ended ReconcileFailed", (string?)rollback["reason"]);
        // The desired settings are revision 1's again.
        var desired = await (await cluster.Client.GetAsync(TrackedCluster.SettingsUrl)).ReadJsonAsync();
        Assert.False((bool?)desired["hostFirewall"]?["enabled"] ?? false);

        var automatic = Assert.Single(await cluster.AuditAsync(AuditKinds.RollbackAutomatic));
        Assert.Equal(2, automatic.Revision);
        Assert.Contains("as revision 3", automatic.Summary);
        // A later poll does not roll back again.
        await cluster.PollNowAsync();
        Assert.Single(await cluster.AuditAsync(AuditKinds.RollbackAutomatic));
        Assert.Equal(404, (int)(await cluster.Client.GetAsync("/api/v1/clusters/local/revisions/4")).StatusCode);
    }

    [Fact]
    public async Task With_auto_rollback_off_a_failed_revision_stays_failed_and_nothing_is_rolled_back()
    {
        await using var cluster = await TrackedCluster.StartAsync();
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "Verified");
        cluster.Simulator.FailNextUpgrade();

        await cluster.PutSettingsAsync(WireGuardAndHostFirewall);
        await cluster.WaitForStateAsync(2, "ReconcileFailed");
        await cluster.PollNowAsync();

        Assert.Equal(404, (int)(await cluster.Client.GetAsync("/api/v1/clusters/local/revisions/3")).StatusCode);
        Assert.Empty(await cluster.AuditAsync(AuditKinds.RollbackAutomatic));
    }

    [Fact]
    public async Task A_failed_automatic_rollback_is_not_rolled_back_again()
    {
        await using var cluster = await TrackedCluster.StartAsync(new() { ["ControlApi:Tracking:AutoRollback"] = "true" });
        await cluster.PutSettingsAsync(WireGuardOn);
        await cluster.WaitForStateAsync(1, "Verified");
        // The change's upgrade fails, and so does the rollback's.
        cluster.Simulator.FailNextUpgrade(upgrades: 2);
        await cluster.PutSettingsAsync(WireGuardAndHostFirewall);
        await cluster.WaitForStateAsync(2, "ReconcileFailed");

        await cluster.WaitForStateAsync(3, "ReconcileFailed", TimeSpan.FromSeconds(90));
        await cluster.PollNowAsync();

        Assert.Equal(404, (int)(await cluster.Client.GetAsync("/api/v1/clusters/local/revisions/4")).StatusCode);
        Assert.Single(await cluster.AuditAsync(AuditKinds.RollbackAutomatic));
    }
}
