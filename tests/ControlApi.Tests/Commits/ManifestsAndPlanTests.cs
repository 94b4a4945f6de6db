using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Security;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Commits;

/// <summary>The rendered files of a revision, and plans diffed against the real repository head.</summary>
public sealed class ManifestsAndPlanTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public ManifestsAndPlanTests() => _client = _factory.CreateClient(Role.Operator);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Manifests_are_the_seed_files_for_the_seed_settings()
    {
        await _client.PutAsync(Settings, Json(SeedSettings.Json));

        var response = await _client.GetAsync(Settings + "/manifests");

        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        var files = (await response.ReadJsonAsync()).AsArray().ToDictionary(f => (string)f!["path"]!, f => (string)f!["content"]!);
        Assert.Equal(
            ["gitops/infrastructure/cilium/kustomization.yaml", "gitops/infrastructure/cilium/release.yaml", "gitops/infrastructure/cilium/repository.yaml", "talos/patches/cilium.yaml"],
            files.Keys.Order(StringComparer.Ordinal));
        var release = files["gitops/infrastructure/cilium/release.yaml"];
        Assert.Contains("external-dns.alpha.kubernetes.io/hostname: hubble.goldentooth.net", release);
        Assert.Contains("type: wireguard", release);
        Assert.Contains("kubeProxyReplacement: \"true\"", release);
        Assert.Contains("name: none", files["talos/patches/cilium.yaml"]);
    }

    [Fact]
    public async Task Manifests_of_an_older_revision_and_of_a_missing_one()
    {
        await _client.PutAsync(Settings, Json("""{"encryption":{"enabled":true}}"""));

        var initial = (await (await _client.GetAsync(Settings + "/manifests?revision=0")).ReadJsonAsync()).AsArray();
        var missing = await _client.GetAsync(Settings + "/manifests?revision=9");

        var release = (string)initial.Single(f => ((string)f!["path"]!).EndsWith("release.yaml", StringComparison.Ordinal))!["content"]!;
        Assert.Contains("encryption:\n      enabled: false", release);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_plan_diffs_every_managed_file_against_the_repository_head()
    {
        await _client.PutAsync(Settings, Json(SeedSettings.Json));
        await Eventually.WaitAsync(() => _client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/1"),
            r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(30), "revision 1 committed");

        var plan = await (await _client.PostAsync(Settings + "/plan", MergePatch("""{"encryption":{"enabled":false}}"""))).ReadJsonAsync();

        Assert.False((bool)plan["noChange"]!);
        Assert.Equal(["disable encryption"], plan["changes"]!.AsArray().Select(c => (string)c!));
        var release = plan["repository"]!["files"]!.AsArray().Single(f => ((string)f!["path"]!).EndsWith("release.yaml", StringComparison.Ordinal))!;
        Assert.Equal("modified", (string)release["change"]!);
        Assert.Contains("-      enabled: true", (string)release["diff"]!);
        Assert.Contains("+      enabled: false", (string)release["diff"]!);
        Assert.Equal("unchanged", (string)plan["repository"]!["files"]!.AsArray().Single(f => ((string)f!["path"]!).EndsWith("repository.yaml", StringComparison.Ordinal))!["change"]!);
        Assert.Contains(plan["expectedLiveState"]!["configKeys"]!.AsArray(), k => (string)k!["key"]! == "enable-wireguard" && k["value"] is null);

        var same = await (await _client.PostAsync(Settings + "/plan", MergePatch("{}"))).ReadJsonAsync();
        Assert.True((bool)same["noChange"]!);
        Assert.Equal(1, (int)(await (await _client.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
    }

    [Fact]
    public async Task The_host_DNS_warnings_advice_is_a_request_that_silences_it_and_changes_the_Talos_patch()
    {
        await _client.PutAsync(Settings, Json(SeedSettings.Json));
        await Eventually.WaitAsync(() => _client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/1"),
            r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(30), "revision 1 committed");
        var seed = await (await _client.PostAsync(Settings + "/plan", MergePatch("{}"))).ReadJsonAsync();
        var warning = seed["warnings"]!.AsArray().Single(w => (string)w!["code"]! == "bbr-conflicts-with-talos-host-dns")!;
        const string advice = """{"talos":{"forwardKubeDnsToHost":false}}""";
        Assert.Contains($"PATCH /api/v1/clusters/local/cilium with {advice}", (string)warning["message"]!);

        var plan = await (await _client.PostAsync(Settings + "/plan", MergePatch(advice))).ReadJsonAsync();

        Assert.True((bool)plan["valid"]!);
        Assert.DoesNotContain(plan["warnings"]!.AsArray(), w => (string)w!["code"]! == "bbr-conflicts-with-talos-host-dns");
        Assert.Equal(["set talos.forwardKubeDnsToHost to false"], plan["changes"]!.AsArray().Select(c => (string)c!));
        var patch = plan["repository"]!["files"]!.AsArray().Single(f => (string)f!["path"]! == "talos/patches/cilium.yaml")!;
        Assert.Equal("modified", (string)patch["change"]!);
        Assert.Contains("+      forwardKubeDNSToHost: false", (string)patch["diff"]!);
    }

    [Fact]
    public async Task A_plan_the_rules_refuse_renders_nothing()
    {
        var plan = await (await _client.PostAsync(Settings + "/plan", MergePatch("""{"kubeProxyReplacement":false}"""))).ReadJsonAsync();

        Assert.False((bool)plan["valid"]!);
        Assert.Empty(plan["files"]!.AsArray());
        Assert.Null(plan["repository"]);
    }
}
