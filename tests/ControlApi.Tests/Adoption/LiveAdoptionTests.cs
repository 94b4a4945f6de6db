using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Security;
using ControlApi.Tests.Adoption.Support;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using ControlApi.TestCluster.Api;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Adoption;

/// <summary>
/// Adoption against the test Kubernetes API server: a release only the cluster runs (applied by
/// hand, not by the Flux Kustomization ControlApi follows), and live cilium-config drift before adoption.
/// </summary>
public sealed class LiveAdoptionTests : IAsyncLifetime
{
    private const string Adopt = "/api/v1/clusters/local/adopt";
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;
    private ChartRepositoryServer _charts = null!;
    private TestKubernetesApiServer _server = null!;
    private string _kubeconfig = "";

    public LiveAdoptionTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
    }

    public async Task InitializeAsync()
    {
        _charts = await ChartRepositoryServer.StartAsync();
        _server = await TestKubernetesApiServer.StartAsync();
        _kubeconfig = _server.WriteKubeconfig(_temp.Combine("kubeconfig"));
        await _git.InitBareAsync(_remote);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _charts.DisposeAsync();
        _temp.Dispose();
    }

    private ControlApiFactory Service() => new(new Dictionary<string, string?>
    {
        ["ControlApi:Clusters:0:GitOps:Repository"] = _remote,
        ["ControlApi:Clusters:0:Chart:Repository"] = _charts.Url,
        ["ControlApi:Clusters:0:Kubernetes:Kubeconfig"] = _kubeconfig,
        ["ControlApi:Clusters:0:Kubernetes:Context"] = TestKubernetesApiServer.ContextName,
        ["ControlApi:Tracking:PollInterval"] = "01:00:00",
    });

    /// <summary>A HelmRelease made with <c>flux create helmrelease</c>: no kustomize-controller labels.</summary>
    private void RunHandMadeRelease(JsonObject? labels = null) => _server.Store.Create(KubernetesResources.HelmReleases, new JsonObject
    {
        ["apiVersion"] = "helm.toolkit.fluxcd.io/v2",
        ["kind"] = "HelmRelease",
        ["metadata"] = new JsonObject { ["name"] = "cilium", ["namespace"] = "kube-system", ["labels"] = labels ?? new JsonObject() },
        ["spec"] = new JsonObject
        {
            ["interval"] = "30m",
            ["chart"] = new JsonObject { ["spec"] = new JsonObject { ["chart"] = "cilium", ["version"] = "1.18.2",
                ["sourceRef"] = new JsonObject { ["kind"] = "HelmRepository", ["name"] = "cilium", ["namespace"] = "flux-system" } } },
            ["values"] = new JsonObject
            {
                ["ipam"] = new JsonObject { ["mode"] = "kubernetes" },
                ["kubeProxyReplacement"] = true,
                ["k8sServiceHost"] = "localhost",
                ["k8sServicePort"] = 7445,
                ["securityContext"] = new JsonObject { ["capabilities"] = new JsonObject
                {
                    ["ciliumAgent"] = new JsonArray("CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"),
                    ["cleanCiliumState"] = new JsonArray("NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"),
                } },
                ["cgroup"] = new JsonObject { ["autoMount"] = new JsonObject { ["enabled"] = false }, ["hostRoot"] = "/sys/fs/cgroup" },
                ["hostFirewall"] = new JsonObject { ["enabled"] = true },
                ["rollOutCiliumPods"] = true,
                ["operator"] = new JsonObject { ["replicas"] = 1, ["rollOutPods"] = true },
            },
        },
    });

    [Fact]
    public async Task A_release_only_the_cluster_runs_must_be_adopted_and_adopting_commits_its_values()
    {
        RunHandMadeRelease();
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var refused = await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("kube-system/cilium", (string?)(await refused.ReadJsonAsync())["detail"]);

        // The hand-made release has no timeout or remediation; ControlApi's commit would add them, and says so first.
        var rewrite = await client.PostAsync(Adopt, null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rewrite.StatusCode);
        Assert.Contains((await rewrite.ReadJsonAsync())["rewrites"]!.AsArray(), r => (string?)r!["path"] == "spec.timeout");

        var adopt = await client.PostAsync(Adopt + "?allowRewrites=true", null);
        Assert.True(adopt.StatusCode == HttpStatusCode.Created, await adopt.Content.ReadAsStringAsync());
        var report = await adopt.ReadJsonAsync();
        Assert.Equal("cluster", (string?)report["source"]);
        Assert.Equal("""{"operator":{"replicas":1}}""", report["settings"]!["extraValues"]!.Compact());

        // The running release goes into the repository as the adopted revision's commit.
        var committed = await Eventually.WaitAsync(() => client.GetFromJsonNodeAsync("/api/v1/clusters/local/revisions/1"),
            r => (string?)r?["state"] == "Committed", TimeSpan.FromSeconds(30), "the adopted revision committed");
        var release = await _git.ShowAsync(_remote, (string)committed["commitSha"]!, SeedRepository.ReleasePath);
        Assert.Contains("replicas: 1", release);
        Assert.Contains("enabled: true", release);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""))).StatusCode);
    }

    [Fact]
    public async Task A_release_the_followed_kustomization_applied_needs_no_adoption()
    {
        RunHandMadeRelease(new JsonObject { ["kustomize.toolkit.fluxcd.io/name"] = "cilium", ["kustomize.toolkit.fluxcd.io/namespace"] = "flux-system" });
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/features/encryption", Json("""{"enabled": true}"""))).StatusCode);
    }

    [Fact]
    public async Task The_report_shows_how_the_live_cilium_config_differs_from_the_adopted_settings()
    {
        await SeedRepository.PushAsync(_git, _remote, _temp.Path, _charts.Url);
        _server.Store.Create(KubernetesResources.ConfigMaps, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "cilium-config", ["namespace"] = "kube-system" },
            // Someone turned the host firewall off by hand: the repository says on.
            ["data"] = new JsonObject { ["enable-host-firewall"] = "false", ["enable-l7-proxy"] = "true" },
        });
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var report = await (await client.PostAsync(Adopt + "?dryRun=true", null)).ReadJsonAsync();

        var drift = report["liveDrift"]!;
        Assert.True((bool)drift["observed"]!);
        var firewall = Assert.Single(drift["keys"]!.AsArray(), k => (string?)k!["key"] == "enable-host-firewall");
        Assert.Equal("true", (string?)firewall!["expected"]);
        Assert.Equal("false", (string?)firewall["live"]);
    }
}
