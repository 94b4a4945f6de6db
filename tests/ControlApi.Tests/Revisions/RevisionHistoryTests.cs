using System.Net;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Revisions;

/// <summary>What each revision changed: the diff endpoint, summaries in the list, rollback commits, and who asked (person=).</summary>
public sealed class RevisionHistoryTests : IDisposable
{
    private readonly ChatopsService _service = new();
    private readonly HttpClient _operator;

    public RevisionHistoryTests() => _operator = _service.Factory.CreateClient(Role.Operator);

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task The_diff_of_a_revision_lists_each_setting_change_and_the_unified_diff_of_each_rendered_file()
    {
        await SwitchAsync("host-firewall", true);
        await SwitchAsync("encryption", true);

        var diff = await (await _service.Api.GetAsync("/api/v1/clusters/local/revisions/2/diff")).ReadJsonAsync();

        Assert.Equal(2, (int)diff["revision"]!);
        Assert.Equal(1, (int)diff["against"]!);
        Assert.False((bool)diff["noChange"]!);
        Assert.Equal("enable encryption (wireguard)", (string?)diff["summary"]);
        var setting = Assert.Single(diff["settings"]!.AsArray());
        Assert.Equal("/encryption/enabled", (string?)setting!["pointer"]);
        Assert.False((bool)setting["old"]!);
        Assert.True((bool)setting["new"]!);
        var release = diff["files"]!.AsArray().Single(f => (string?)f!["path"] == "gitops/infrastructure/cilium/release.yaml")!;
        Assert.Equal("modified", (string?)release["change"]);
        var patch = (string)release["diff"]!;
        Assert.StartsWith("--- a/gitops/infrastructure/cilium/release.yaml\n+++ b/gitops/infrastructure/cilium/release.yaml\n@@", patch);
        Assert.Contains("\n+", patch);
        Assert.Contains("encryption", patch);
        Assert.All(diff["files"]!.AsArray().Where(f => (string?)f!["path"] != "gitops/infrastructure/cilium/release.yaml"),
            f => Assert.Equal("unchanged", (string?)f!["change"]));

        // Against the defaults (revision 0): both changes.
        var fromDefaults = await (await _service.Api.GetAsync("/api/v1/clusters/local/revisions/2/diff?against=0")).ReadJsonAsync();
        Assert.Equal(["/encryption/enabled", "/hostFirewall/enabled"], fromDefaults["settings"]!.AsArray().Select(s => (string)s!["pointer"]!));

        // A revision against itself changes nothing.
        var same = await (await _service.Api.GetAsync("/api/v1/clusters/local/revisions/2/diff?against=2")).ReadJsonAsync();
        Assert.True((bool)same["noChange"]!);
        Assert.Empty(same["settings"]!.AsArray());

        var missing = await _service.Api.GetAsync("/api/v1/clusters/local/revisions/2/diff?against=9");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no revision 9", (string?)(await missing.ReadJsonAsync())["detail"]);
    }

    [Fact]
    public async Task The_revision_list_says_what_each_revision_changed()
    {
        await SwitchAsync("host-firewall", true);
        await SwitchAsync("encryption", true);
        await SwitchAsync("host-firewall", false);

        var page = await (await _service.Api.GetAsync("/api/v1/clusters/local/revisions?limit=2")).ReadJsonAsync();
        Assert.Equal(["disable host-firewall", "enable encryption (wireguard)"], page["items"]!.AsArray().Select(r => (string)r!["changes"]!));
        var older = await (await _service.Api.GetAsync($"/api/v1/clusters/local/revisions?limit=2&cursor={(string)page["next"]!}")).ReadJsonAsync();
        Assert.Equal(["enable host-firewall"], older["items"]!.AsArray().Select(r => (string)r!["changes"]!));
        Assert.Equal("enable encryption (wireguard)", (string?)(await _service.RevisionAsync(2))["changes"]);
    }

    [Fact]
    public async Task A_rollback_commit_subject_says_rollback_to_n_and_the_revision_names_its_target()
    {
        await SwitchAsync("host-firewall", true);
        await SwitchAsync("encryption", true);

        var rollback = await _operator.SendAsync(Request(HttpMethod.Post, "/api/v1/clusters/local/revisions/1/rollback", null, ("X-Change-Reason", "wireguard broke storage")));
        Assert.Equal(HttpStatusCode.Accepted, rollback.StatusCode);
        var third = await _service.WaitForStateAsync(3, "Committed");

        Assert.Equal(1, (int?)third["rollbackTo"]);
        var subject = (await _service.Git.RunAsync(_service.Remote, "log", "-1", "--format=%s", (string)third["commitSha"]!)).Trim();
        Assert.Equal("cilium: rollback to 1, disable encryption", subject);
        // Chat's rollback takes the same path.
        await _service.SlackReplyAsync("rollback 2 local");
        var fourth = await _service.WaitForStateAsync(4, "Committed");
        Assert.Equal("cilium: rollback to 2, enable encryption (wireguard)",
            (await _service.Git.RunAsync(_service.Remote, "log", "-1", "--format=%s", (string)fourth["commitSha"]!)).Trim());
    }

    [Fact]
    public async Task Person_finds_API_changes_made_on_behalf_of_someone_and_chat_changes_by_them()
    {
        var viaApi = await _operator.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/features/host-firewall", Json("""{"enabled": true}"""),
            ("X-On-Behalf-Of", "alice"), ("X-Change-Reason", "audit mode first")));
        Assert.Equal(HttpStatusCode.Accepted, viaApi.StatusCode);
        Assert.Equal("enable host-firewall", (string?)(await viaApi.ReadJsonAsync())["revision"]!["changes"]);
        await _service.WaitForStateAsync(1, "Committed");
        Assert.Equal(HttpStatusCode.OK, (await _service.SlackAsync("enable encryption", userName: "alice")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _service.SlackAsync("status", userName: "bob")).StatusCode);

        var alice = (await (await _service.Api.GetAsync("/api/v1/audit?person=alice")).ReadJsonAsync())["items"]!.AsArray();

        var accepted = alice.Where(e => (string?)e!["kind"] == AuditKinds.ChangeAccepted).ToList();
        Assert.Equal([(2, "chatops"), (1, "api")], accepted.Select(e => ((int)e!["revision"]!, (string)e["source"]!)));
        Assert.Contains(alice, e => (string?)e!["kind"] == AuditKinds.ChatopsCommand && (string?)e["details"]!["userName"] == "alice");
        Assert.All(alice, e => Assert.Equal("alice", (string?)e!["person"]));
        Assert.DoesNotContain(alice, e => (string?)e!["details"]!["userName"] == "bob");

        // The person filter also matches an actor: a key's own name.
        var byKey = (await (await _service.Api.GetAsync($"/api/v1/audit?person={_service.Factory.KeyNameFor(Role.Operator)}")).ReadJsonAsync())["items"]!.AsArray();
        Assert.Contains(byKey, e => (string?)e!["kind"] == AuditKinds.ChangeAccepted && (int?)e["revision"] == 1);
        Assert.Empty((await (await _service.Api.GetAsync("/api/v1/audit?person=carol")).ReadJsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task The_audit_query_parameters_are_lower_camelCase_in_the_OpenAPI_document()
    {
        var document = await (await _service.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        foreach (var path in new[] { "/api/v1/audit", "/api/v1/audit/export", "/api/v1/events" })
        {
            var names = document["paths"]![path]!["get"]!["parameters"]!.AsArray().Where(p => (string?)p!["in"] == "query").Select(p => (string)p!["name"]!).ToList();
            Assert.Contains("person", names);
            Assert.Contains("cluster", names);
            Assert.All(names, name => Assert.True(char.IsLower(name[0]), $"{path}: query parameter '{name}' is not lower camelCase"));
        }
    }

    private async Task SwitchAsync(string feature, bool enabled)
    {
        var response = await _operator.PutAsync($"/api/v1/clusters/local/features/{feature}", Json($$"""{"enabled": {{(enabled ? "true" : "false")}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var number = (int)(await response.ReadJsonAsync())["revision"]!["number"]!;
        await _service.WaitForStateAsync(number, "Committed");
    }
}
