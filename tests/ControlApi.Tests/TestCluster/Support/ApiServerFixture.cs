using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;
using k8s;

namespace ControlApi.Tests.TestCluster.Support;

/// <summary>
/// One test API server plus a real KubernetesClient configured from the kubeconfig the server
/// writes — the way ControlApi will reach a cluster. Each test makes its own.
/// </summary>
public sealed class ApiServerFixture : IAsyncDisposable
{
    private ApiServerFixture(TestKubernetesApiServer server, string directory, Kubernetes client)
    {
        Server = server;
        Directory = directory;
        Client = client;
    }

    public TestKubernetesApiServer Server { get; }
    public string Directory { get; }
    public Kubernetes Client { get; }
    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public static async Task<ApiServerFixture> StartAsync(TestApiServerOptions? options = null)
    {
        var server = await TestKubernetesApiServer.StartAsync(options);
        var directory = System.IO.Directory.CreateTempSubdirectory("testcluster-").FullName;
        var path = server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, TestKubernetesApiServer.ContextName);
        return new ApiServerFixture(server, directory, new Kubernetes(config));
    }

    /// <summary>A client from the same kubeconfig (e.g. to hold a second watch).</summary>
    public Kubernetes NewClient() =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath, TestKubernetesApiServer.ContextName));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }

    /// <summary>A running pod with one container, as the store would hold it after the kubelet started it.</summary>
    public static JsonObject Pod(string @namespace, string name, string node, IReadOnlyDictionary<string, string>? labels = null, string container = "app") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = @namespace,
            ["labels"] = new JsonObject((labels ?? new Dictionary<string, string>()).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
        },
        ["spec"] = new JsonObject
        {
            ["nodeName"] = node,
            ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = "example/app:1" }),
        },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = container,
                ["ready"] = true,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-01-01T00:00:00Z" } },
            }),
        },
    };
}
