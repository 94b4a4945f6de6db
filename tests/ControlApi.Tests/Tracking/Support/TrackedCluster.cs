using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Tracking.Support;

/// <summary>
/// The whole loop for one test: a bare GitOps repository, the test Kubernetes API server with the
/// cluster simulator watching that repository (the seed's 17 nodes by default), and ControlApi
/// configured with a kubeconfig for it — KubernetesClient over real HTTP, WebSocket exec and watches.
/// </summary>
public sealed class TrackedCluster : IAsyncDisposable
{
    public const string Cluster = "local";
    public const string SettingsUrl = "/api/v1/clusters/local/cilium";

    private readonly TempDirectory _temp;
    private readonly Dictionary<string, string?> _configuration;
    private readonly string _dataDirectory;

    private TrackedCluster(TempDirectory temp, string remote, TestKubernetesApiServer server, ClusterSimulator simulator, Dictionary<string, string?> configuration)
    {
        _temp = temp;
        _configuration = configuration;
        _dataDirectory = Directory.CreateDirectory(temp.Combine("data")).FullName;
        Remote = remote;
        Server = server;
        Simulator = simulator;
        Service = new ControlApiFactory(configuration, _dataDirectory);
        Client = Service.CreateClient(Role.Operator);
    }

    public string Remote { get; }
    public TestKubernetesApiServer Server { get; }
    public ClusterSimulator Simulator { get; }
    public ControlApiFactory Service { get; private set; }
    public HttpClient Client { get; private set; }

    /// <summary>Stops ControlApi and starts it again on the same data directory (database, Hangfire storage, working copy).</summary>
    public async Task RestartServiceAsync()
    {
        Client.Dispose();
        await Service.DisposeAsync();
        Service = new ControlApiFactory(_configuration, _dataDirectory);
        Client = Service.CreateClient(Role.Operator);
    }

    /// <param name="settings">ControlApi configuration overrides (tracking deadlines, poll interval…).</param>
    /// <param name="simulator">Simulator options on top of the defaults (17 nodes, reconcile request required).</param>
    public static async Task<TrackedCluster> StartAsync(Dictionary<string, string?>? settings = null, Func<ClusterSimulatorOptions, ClusterSimulatorOptions>? simulator = null)
    {
        var temp = new TempDirectory();
        var git = new PlainGit(temp.Combine("home"));
        var remote = await git.InitBareAsync(temp.Combine("fleet.git"));
        var server = await TestKubernetesApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(temp.Combine("kubeconfig"));
        // Flux here only fetches when asked (as with a long interval): a revision that goes live proves the reconcile request.
        var options = new ClusterSimulatorOptions { RepositoryPath = remote, RequireReconcileRequest = true };
        var sim = await ClusterSimulator.StartAsync(server, simulator?.Invoke(options) ?? options);

        var configuration = new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = remote,
            ["ControlApi:Clusters:0:Kubernetes:Kubeconfig"] = kubeconfig,
            ["ControlApi:Clusters:0:Kubernetes:Context"] = TestKubernetesApiServer.ContextName,
            ["ControlApi:Tracking:ApplyDeadline"] = "00:01:00",
            ["ControlApi:Tracking:RolloutProgressDeadline"] = "00:00:10",
            ["ControlApi:Tracking:VerificationGracePeriod"] = "00:01:00",
            ["ControlApi:Tracking:RecheckInterval"] = "00:00:05",
            ["ControlApi:Tracking:VerifyRecheckInterval"] = "00:00:00.200",
            // Polls only when a test asks for them, unless it sets an interval.
            ["ControlApi:Tracking:PollInterval"] = "01:00:00",
            ["ControlApi:Probes:RequestTimeout"] = "00:00:03",
            ["ControlApi:Probes:ExecTimeout"] = "00:00:05",
            ["ControlApi:Probes:WatchReconnectDelay"] = "00:00:00.100",
        };
        foreach (var (key, value) in settings ?? []) configuration[key] = value;
        return new TrackedCluster(temp, remote, server, sim, configuration);
    }

    public Task<HttpResponseMessage> PutSettingsAsync(string json, string reason = "test") =>
        Client.SendAsync(HttpJson.Request(HttpMethod.Put, SettingsUrl, HttpJson.Json(json), ("X-Change-Reason", reason)));

    public Task<HttpResponseMessage> PatchSettingsAsync(string json) =>
        Client.SendAsync(HttpJson.Request(HttpMethod.Patch, SettingsUrl, HttpJson.MergePatch(json)));

    public async Task<JsonNode> RevisionAsync(int number) =>
        await (await Client.GetAsync($"/api/v1/clusters/{Cluster}/revisions/{number}")).ReadJsonAsync();

    public Task<JsonNode> WaitForStateAsync(int number, string state, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => RevisionAsync(number)!, r => (string?)r?["state"] == state,
            timeout ?? TimeSpan.FromSeconds(60), $"revision {number} to be {state}");

    public async Task<JsonNode> StatusAsync() => await (await Client.GetAsync($"/api/v1/clusters/{Cluster}/status")).ReadJsonAsync();

    /// <summary>Asks for a poll now (through the API) and waits until a newer observation is stored.</summary>
    public async Task<JsonNode> PollNowAsync()
    {
        var before = await ObservationCountAsync();
        var response = await Client.PostAsync($"/api/v1/clusters/{Cluster}/reconcile", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        // A minute: on a loaded machine (both engines' suites at once) a poll with its Kubernetes reads can take half of that.
        await Eventually.WaitAsync(ObservationCountAsync, n => n > before, TimeSpan.FromSeconds(60), "a new observation");
        return await StatusAsync();
    }

    public async Task<int> ObservationCountAsync()
    {
        await using var scope = Service.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Observations.CountAsync();
    }

    public async Task<List<AuditEvent>> AuditAsync(string? kind = null, int? revision = null)
    {
        await using var scope = Service.Services.CreateAsyncScope();
        var query = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.AsNoTracking();
        if (kind is not null) query = query.Where(e => e.Kind == kind);
        if (revision is not null) query = query.Where(e => e.Revision == revision);
        return await query.OrderBy(e => e.Id).ToListAsync();
    }

    public Task<List<AuditEvent>> WaitForAuditAsync(string kind, int count = 1, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => AuditAsync(kind)!, events => events!.Count >= count, timeout ?? TimeSpan.FromSeconds(30), $"{count} {kind} event(s)");

    /// <summary>The timeline entry of a state, as the API shows it.</summary>
    public static DateTimeOffset At(JsonNode revision, string state) =>
        revision["timeline"]!.AsArray().Where(t => (string?)t!["state"] == state).Select(t => t!["at"]!.GetValue<DateTimeOffset>()).Single();

    public static IReadOnlyList<string> States(JsonNode revision) =>
        revision["timeline"]!.AsArray().Select(t => (string)t!["state"]!).ToList();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Service.DisposeAsync();
        await Simulator.DisposeAsync();
        await Server.DisposeAsync();
        _temp.Dispose();
    }
}
