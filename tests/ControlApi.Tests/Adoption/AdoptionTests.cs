using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Values;
using ControlApi.Security;
using ControlApi.Tests.Adoption.Support;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using ControlApi.Tests.TestCluster.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Adoption;

/// <summary>
/// A cluster that already runs Cilium from Flux: ControlApi adopts its release instead of overwriting it,
/// and every later change touches only what it says it touches.
/// </summary>
public sealed class AdoptionTests : IAsyncLifetime
{
    private const string Cilium = "/api/v1/clusters/local/cilium";
    private const string Adopt = "/api/v1/clusters/local/adopt";
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;
    private ChartRepositoryServer _charts = null!;

    public AdoptionTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
    }

    public async Task InitializeAsync()
    {
        _charts = await ChartRepositoryServer.StartAsync();
        await _git.InitBareAsync(_remote);
    }

    public async Task DisposeAsync()
    {
        await _charts.DisposeAsync();
        _temp.Dispose();
    }

    private ControlApiFactory Service() => new(new Dictionary<string, string?>
    {
        ["ControlApi:Clusters:0:GitOps:Repository"] = _remote,
        ["ControlApi:Clusters:0:Chart:Repository"] = _charts.Url,
    });

    private Task<string> SeedAsync(string? release = null) => SeedRepository.PushAsync(_git, _remote, _temp.Path, _charts.Url, release);

    [Fact]
    public async Task Changes_before_adoption_are_refused_and_reads_say_why()
    {
        var seed = await SeedAsync();
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var enable = await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""));
        var patch = await client.PatchAsync(Cilium, MergePatch("""{"l7Proxy": false}"""));
        var plan = await client.PostAsync(Cilium + "/plan", MergePatch("""{"l7Proxy": false}"""));

        foreach (var refused in new[] { enable, patch, plan })
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.ReadJsonAsync();
            Assert.Equal("urn:controlapi:problem:adopt-first", (string?)problem["type"]);
            Assert.Equal(Adopt, (string?)problem["adoptUrl"]);
            Assert.Contains("POST " + Adopt, (string?)problem["detail"]);
        }
        var settings = await client.GetFromJsonNodeAsync(Cilium);
        Assert.False((bool)settings!["adoption"]!["adopted"]!);
        Assert.Equal("unadopted", (string?)settings["adoption"]!["state"]);
        Assert.Null(settings["settings"]);
        var cluster = await client.GetFromJsonNodeAsync("/api/v1/clusters/local");
        Assert.False((bool)cluster!["adoption"]!["adopted"]!);
        Assert.Equal(seed, await _git.HeadAsync(_remote));
        Assert.Empty((await client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Adopting_maps_the_typed_values_keeps_the_rest_verbatim_and_commits_nothing()
    {
        var seed = await SeedAsync();
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var dryRun = await client.PostAsync(Adopt + "?dryRun=true", null);
        Assert.True(dryRun.StatusCode == HttpStatusCode.OK, await dryRun.Content.ReadAsStringAsync());
        Assert.True((bool)(await dryRun.ReadJsonAsync())["dryRun"]!);
        Assert.Empty((await client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions"))!["items"]!.AsArray());

        var adopt = await client.SendAsync(Request(HttpMethod.Post, Adopt, null, ("X-Change-Reason", "take over the hand-made release")));
        Assert.True(adopt.StatusCode == HttpStatusCode.Created, await adopt.Content.ReadAsStringAsync());
        Assert.Equal("/api/v1/clusters/local/revisions/1", adopt.Headers.Location?.ToString());
        var report = await adopt.ReadJsonAsync();
        Assert.Equal(seed, (string?)report["commit"]);
        Assert.Equal(1, (int)report["revision"]!);
        Assert.Empty(report["wouldChange"]!.AsArray());
        var keys = report["keys"]!.AsArray().ToDictionary(k => (string)k!["path"]!, k => (string)k!["as"]!);
        Assert.Equal("typed", keys["hostFirewall.enabled"]);
        Assert.Equal("typed", keys["hubble.ui.service.annotations.external-dns\\.alpha\\.kubernetes\\.io/hostname"]);
        Assert.Equal("fact", keys["k8sServicePort"]);
        Assert.Equal("extra", keys["operator.replicas"]);
        Assert.Equal("extra", keys["tolerations"]);

        var settings = (await client.GetFromJsonNodeAsync(Cilium))!;
        Assert.True((bool)settings["adoption"]!["adopted"]!);
        var adopted = settings["settings"]!;
        Assert.False((bool)adopted["encryption"]!["enabled"]!);
        Assert.True((bool)adopted["hostFirewall"]!["enabled"]!);
        Assert.True((bool)adopted["bandwidthManager"]!["bbr"]!);
        Assert.True((bool)adopted["bpf"]!["masquerade"]!);
        Assert.True((bool)adopted["kubeProxyReplacement"]!);
        Assert.Equal("LoadBalancer", (string?)adopted["hubble"]!["ui"]!["serviceType"]);
        Assert.Equal("hubble.goldentooth.net", (string?)adopted["hubble"]!["ui"]!["hostname"]);
        Assert.Equal("tunnel", (string?)adopted["routing"]!["mode"]);
        Assert.Equal("kubernetes", (string?)adopted["ipam"]!["mode"]);
        Assert.Equal("""{"operator":{"replicas":1},"resources":{"limits":{"memory":"1Gi"},"requests":{"cpu":"100m","memory":"512Mi"}},"tolerations":[{"operator":"Exists"}]}""",
            adopted["extraValues"]!.Compact());

        var revision = (await client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/1"))!;
        Assert.Equal("adopt", (string?)revision["source"]);
        Assert.Equal(seed, (string?)revision["commitSha"]);
        Assert.Equal(seed, await _git.HeadAsync(_remote));
        Assert.Equal(1, await _git.CountCommitsAsync(_remote, "main"));
        var adoptedEvent = await AuditAsync(client, "cluster.adopted");
        Assert.Single(adoptedEvent);

        var again = await client.PostAsync(Adopt, null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("urn:controlapi:problem:already-adopted", (string?)(await again.ReadJsonAsync())["type"]);
    }

    [Fact]
    public async Task Enabling_wireguard_after_adoption_changes_only_encryption_and_says_exactly_that()
    {
        var seed = await SeedAsync();
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync(Adopt, null)).StatusCode);

        var plan = await (await client.PostAsync(Cilium + "/plan", MergePatch("""{"encryption":{"enabled":true}}"""))).ReadJsonAsync();
        var planned = plan["values"]!.AsArray().Select(v => (string)v!["path"]!).ToList();
        Assert.Equal(["encryption.enabled", "encryption.type"], planned);
        Assert.All(plan["values"]!.AsArray(), v => Assert.Equal("helmValues", (string?)v!["scope"]));

        var enable = await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""));
        Assert.Equal(HttpStatusCode.Accepted, enable.StatusCode);
        var accepted = await enable.ReadJsonAsync();
        Assert.Equal(planned, accepted["revision"]!["values"]!.AsArray().Select(v => (string)v!["path"]!).ToList());
        // The chart's default type is ipsec: naming only "enabled" also changes the effective type, and the answer says so.
        Assert.Equal(["encryption.type"], accepted["sideEffects"]!.AsArray().Select(v => (string)v!["path"]!).ToList());

        var committed = await Eventually.WaitAsync(() => client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/2"),
            r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(30), "revision 2 committed");
        var sha = (string)committed["commitSha"]!;
        Assert.Equal(seed, (await _git.RunAsync(_remote, "rev-parse", sha + "^")).Trim());

        var before = EffectiveValues(await _git.ShowAsync(_remote, seed, SeedRepository.ReleasePath));
        var after = EffectiveValues(await _git.ShowAsync(_remote, sha, SeedRepository.ReleasePath));
        var differing = before.Keys.Union(after.Keys)
            .Where(path => !HelmValueMeaning.Same(path, before.GetValueOrDefault(path), after.GetValueOrDefault(path)))
            .ToList();
        Assert.Equal(["encryption.enabled", "encryption.type"], differing);
        Assert.Equal("true", ((YamlScalar)after["encryption.enabled"]).Text);
        Assert.Equal("wireguard", ((YamlScalar)after["encryption.type"]).Text);

        var message = await _git.RunAsync(_remote, "log", "-1", "--format=%B", sha);
        var listed = message.Split('\n').SkipWhile(l => l != "Values:").Skip(1).TakeWhile(l => l.StartsWith("- ")).ToList();
        Assert.Equal(["- encryption.enabled: false → true", "- encryption.type: \"ipsec\" → \"wireguard\""], listed);
        // The audit event (and so every webhook delivery of it) lists the same values.
        var accepted2 = Assert.Single(await AuditAsync(client, "change.accepted"));
        Assert.Equal(["encryption.enabled: false → true", "encryption.type: \"ipsec\" → \"wireguard\""],
            accepted2["details"]!["values"]!.AsArray().Select(v => (string)v!).ToList());
        // Everything else in the repository is untouched.
        Assert.Equal(await _git.ShowAsync(_remote, seed, "apps/podinfo.yaml"), await _git.ShowAsync(_remote, sha, "apps/podinfo.yaml"));
    }

    [Fact]
    public async Task A_release_already_in_policy_audit_mode_is_adopted_in_host_firewall_audit_mode()
    {
        await SeedAsync(SeedRepository.Release(SeedRepository.DefaultValues.Replace("hostFirewall:\n  enabled: true\n", "hostFirewall:\n  enabled: true\npolicyAuditMode: true\n")));
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var adopt = await client.SendAsync(Request(HttpMethod.Post, Adopt, null, ("X-Change-Reason", "take over a cluster in audit mode")));

        Assert.True(adopt.StatusCode == HttpStatusCode.Created, await adopt.Content.ReadAsStringAsync());
        var report = await adopt.ReadJsonAsync();
        Assert.Empty(report["wouldChange"]!.AsArray());
        var key = report["keys"]!.AsArray().Single(k => (string?)k!["path"] == "policyAuditMode")!;
        Assert.Equal(("typed", "/hostFirewall/mode"), ((string?)key["as"], (string?)key["member"]));
        var adopted = (await client.GetFromJsonNodeAsync(Cilium))!["settings"]!;
        Assert.Equal("audit", (string?)adopted["hostFirewall"]!["mode"]);
    }

    [Fact]
    public async Task A_valuesFrom_reference_is_reported_not_silently_dropped()
    {
        await SeedAsync(SeedRepository.Release(extraSpec: "  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-site-values\n"));
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var refused = await client.PostAsync(Adopt, null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:adoption-would-rewrite", (string?)problem["type"]);
        var dropped = Assert.Single(problem["notImportable"]!.AsArray());
        Assert.Equal("spec.valuesFrom[0]", (string?)dropped!["path"]);
        Assert.Contains("ConfigMap", (string?)dropped["reason"]);
        Assert.Empty((await client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions"))!["items"]!.AsArray());

        var accepted = await client.PostAsync(Adopt + "?allowRewrites=true", null);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Contains((await accepted.ReadJsonAsync())["keys"]!.AsArray(), k => (string?)k!["as"] == "notImportable");
    }

    [Fact]
    public async Task A_release_whose_values_rendering_would_change_is_refused_listing_each_value()
    {
        var seed = await SeedAsync(SeedRepository.Release(SeedRepository.DefaultValues.Replace("k8sServicePort: 7445", "k8sServicePort: 6443")));
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var refused = await client.PostAsync(Adopt, null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:adoption-would-change-values", (string?)problem["type"]);
        var change = Assert.Single(problem["wouldChange"]!.AsArray());
        Assert.Equal("k8sServicePort", (string?)change!["path"]);
        Assert.Equal(6443, (int)change["old"]!);
        Assert.Equal(7445, (int)change["new"]!);
        Assert.Empty((await client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions"))!["items"]!.AsArray());
        Assert.Equal(seed, await _git.HeadAsync(_remote));
    }

    [Fact]
    public async Task Extra_values_are_checked_against_the_chart_schema_and_owned_keys_are_refused()
    {
        await SeedAsync();
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync(Adopt, null)).StatusCode);

        var wrongType = await client.PatchAsync(Cilium, MergePatch("""{"extraValues":{"operator":{"replicas":"two"}}}"""));
        var owned = await client.PatchAsync(Cilium, MergePatch("""{"extraValues":{"encryption":{"enabled":true}}}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongType.StatusCode);
        var error = Assert.Single((await wrongType.ReadJsonAsync())["errors"]!.AsArray());
        Assert.Equal("extra-value-invalid", (string?)error!["code"]);
        Assert.Equal("/extraValues/operator/replicas", (string?)error["pointer"]);
        var ownedError = Assert.Single((await owned.ReadJsonAsync())["errors"]!.AsArray());
        Assert.Equal("extra-value-owned-by-setting", (string?)ownedError!["code"]);
        Assert.Contains("/encryption/enabled", (string?)ownedError["message"]);

        var twoReplicas = await client.PatchAsync(Cilium, MergePatch("""{"extraValues":{"operator":{"replicas":2}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, twoReplicas.StatusCode);
        var values = (await twoReplicas.ReadJsonAsync())["revision"]!["values"]!.AsArray();
        Assert.True(values.Count == 1, values.ToJsonString());
        var only = values[0];
        Assert.Equal("operator.replicas", (string?)only!["path"]);
        Assert.Empty((await twoReplicas.ReadJsonAsync())["sideEffects"]!.AsArray());
        Assert.Equal(1, _charts.ArchiveDownloads);
    }

    [Fact]
    public async Task A_fresh_repository_needs_no_adoption()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var nothing = await client.PostAsync(Adopt, null);
        var enable = await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""));

        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        Assert.Equal("urn:controlapi:problem:nothing-to-adopt", (string?)(await nothing.ReadJsonAsync())["type"]);
        Assert.Equal(HttpStatusCode.Accepted, enable.StatusCode);
    }

    [Fact]
    public async Task A_value_the_request_did_not_name_is_called_a_side_effect()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var bgp = await client.PatchAsync(Cilium, MergePatch("""{"bgp":{"enabled":true,"localAsn":64512,"peers":[{"name":"router","address":"10.4.0.1","peerAsn":64513}]}}"""));

        Assert.Equal(HttpStatusCode.Accepted, bgp.StatusCode);
        var answer = await bgp.ReadJsonAsync();
        var values = answer["revision"]!["values"]!.AsArray().Select(v => $"{v!["scope"]} {v["path"]}").ToList();
        Assert.Contains("helmValues bgpControlPlane.enabled", values);
        Assert.Contains(values, v => v.StartsWith("CiliumBGPClusterConfig/", StringComparison.Ordinal));
        Assert.True(answer["sideEffects"]!.AsArray().Count == 1, answer["sideEffects"]!.ToJsonString());
        var sideEffect = answer["sideEffects"]!.AsArray()[0];
        Assert.Equal("securityContext.capabilities.ciliumAgent", (string?)sideEffect!["path"]);
        Assert.Contains("NET_BIND_SERVICE", sideEffect["new"]!.Compact());
    }

    [Fact]
    public async Task A_change_accepted_while_the_repository_was_unreadable_never_overwrites_a_release_found_later()
    {
        var parked = _remote + ".parked";
        Directory.Move(_remote, parked);
        using var service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = "file://" + _remote,
            ["ControlApi:Clusters:0:Chart:Repository"] = _charts.Url,
            // Retries close together: the default back-off (5 s doubling) can put the first try after
            // the repository's return 40 s away on a busy machine; this test is about what that try does.
            ["ControlApi:Commits:RetryBaseDelay"] = "00:00:01",
            ["ControlApi:Commits:MaxRetryDelay"] = "00:00:02",
        });
        var client = service.CreateClient(Role.Operator);

        var accepted = await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        // Someone else's release is pushed while the repository is out of reach, so it is there the
        // moment the repository comes back (seeding after its return raced the commit job's retry).
        var seed = await SeedRepository.PushAsync(_git, parked, _temp.Path, _charts.Url);
        Directory.Move(parked, _remote);

        var failed = await Eventually.WaitAsync(() => client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/1"),
            r => (string?)r?["state"] == "CommitFailed" && ((string?)r["stateReason"])!.Contains("not retried"), TimeSpan.FromSeconds(30),
            "revision 1 refused by the commit job");
        Assert.Contains(Adopt, (string?)failed["stateReason"]);
        Assert.Equal(seed, await _git.HeadAsync(_remote));

        // Adopting ends it for good; the adopted revision is the next one.
        var adopt = await client.PostAsync(Adopt, null);
        Assert.Equal(HttpStatusCode.Created, adopt.StatusCode);
        Assert.Equal(2, (int)(await adopt.ReadJsonAsync())["revision"]!);
        Assert.Equal(seed, await _git.HeadAsync(_remote));
    }

    /// <summary>A release's Helm values over the chart's defaults, leaf by leaf: what Helm would install.</summary>
    private static IReadOnlyDictionary<string, YamlValue> EffectiveValues(string? release)
    {
        var document = YamlReader.ReadDocuments(release!).OfType<YamlMap>().Single(ValueChanges.IsHelmRelease);
        var values = (YamlMap)ValueTree.Lookup(document, ["spec", "values"])!;
        var defaults = (YamlMap)YamlReader.ReadDocuments(File.ReadAllText(SchemaFields.ReferencePath("cilium", "values.yaml")))[0];
        return ValueTree.Leaves(ValueTree.Merge(defaults, values));
    }

    private static async Task<List<JsonNode>> AuditAsync(HttpClient client, string kind) =>
        (await client.GetFromJsonNodeAsync($"/api/v1/audit?kind={kind}"))!["items"]!.AsArray().Select(e => e!).ToList();
}
