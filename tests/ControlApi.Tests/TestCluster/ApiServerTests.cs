using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;
using ControlApi.Tests.Support;
using ControlApi.Tests.TestCluster.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ControlApi.Tests.TestCluster;

/// <summary>The test API server as the real KubernetesClient sees it through a kubeconfig.</summary>
public sealed class ApiServerTests
{
    private static readonly Dictionary<string, string> CiliumLabels = new() { ["k8s-app"] = "cilium" };

    [Fact]
    public async Task A_stored_pod_is_read_back_through_the_client_with_server_set_metadata()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-abcde", "node-01", CiliumLabels));

        var pod = await fixture.Client.CoreV1.ReadNamespacedPodAsync("cilium-abcde", "kube-system");

        Assert.Equal("node-01", pod.Spec.NodeName);
        Assert.Equal("cilium", pod.Metadata.Labels["k8s-app"]);
        Assert.False(string.IsNullOrEmpty(pod.Metadata.Uid));
        Assert.NotNull(pod.Metadata.CreationTimestamp);
        Assert.True(long.Parse(pod.Metadata.ResourceVersion) > 0);
    }

    [Fact]
    public async Task A_missing_object_is_a_404_Status_with_reason_NotFound()
    {
        await using var fixture = await ApiServerFixture.StartAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        var status = JsonNode.Parse(error.Response.Content)!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("NotFound", (string?)status["reason"]);
        Assert.Equal(404, (int?)status["code"]);
        Assert.Equal("configmaps \"cilium-config\" not found", (string?)status["message"]);
        Assert.Equal("cilium-config", (string?)status["details"]!["name"]);
    }

    [Fact]
    public async Task A_custom_resource_404_names_the_resource_with_its_group()
    {
        await using var fixture = await ApiServerFixture.StartAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync("kustomize.toolkit.fluxcd.io", "v1", "flux-system", "kustomizations", "cilium"));

        var status = JsonNode.Parse(error.Response.Content)!;
        Assert.Equal("kustomizations.kustomize.toolkit.fluxcd.io \"cilium\" not found", (string?)status["message"]);
        Assert.Equal("kustomize.toolkit.fluxcd.io", (string?)status["details"]!["group"]);
        Assert.Equal("kustomizations", (string?)status["details"]!["kind"]);
    }

    [Fact]
    public async Task Requests_without_the_kubeconfig_token_are_refused_with_401()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };

        using var response = await http.GetAsync("api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Unauthorized", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["reason"]);
    }

    [Theory]
    [InlineData("k8s-app=cilium", new[] { "a", "b" })]
    [InlineData("k8s-app==cilium,tier=agent", new[] { "a" })]
    [InlineData("k8s-app!=cilium", new[] { "c", "d" })]
    [InlineData("k8s-app in (cilium, flannel)", new[] { "a", "b", "c" })]
    [InlineData("k8s-app notin (cilium)", new[] { "c", "d" })]
    [InlineData("tier", new[] { "a", "c" })]
    [InlineData("!tier", new[] { "b", "d" })]
    [InlineData("k8s-app,!tier", new[] { "b" })]
    public async Task Lists_filter_by_label_selector_like_the_real_server(string selector, string[] expected)
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        var store = fixture.Server.Store;
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "a", "n1", new Dictionary<string, string> { ["k8s-app"] = "cilium", ["tier"] = "agent" }));
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "b", "n1", new Dictionary<string, string> { ["k8s-app"] = "cilium" }));
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "c", "n2", new Dictionary<string, string> { ["k8s-app"] = "flannel", ["tier"] = "node" }));
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "d", "n2"));

        var pods = await fixture.Client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: selector);

        Assert.Equal(expected, pods.Items.Select(p => p.Metadata.Name).ToArray());
        Assert.Equal(store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), pods.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Pods_are_selected_by_node_name_and_across_namespaces()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        var store = fixture.Server.Store;
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-1", "node-01", CiliumLabels));
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-2", "node-02", CiliumLabels));
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("default", "web", "node-01"));

        var onNode = await fixture.Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.nodeName=node-01");
        var notWeb = await fixture.Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "metadata.name!=web,metadata.namespace=kube-system");

        Assert.Equal(["cilium-1", "web"], onNode.Items.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["cilium-1", "cilium-2"], notWeb.Items.Select(p => p.Metadata.Name).ToArray());
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.image=x"));
        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
    }

    [Fact]
    public async Task Paging_with_limit_and_continue_returns_one_consistent_snapshot()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        var store = fixture.Server.Store;
        for (var i = 0; i < 1_000; i++)
            store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", $"cilium-{i:D4}", $"node-{i:D4}", CiliumLabels));

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        string? listVersion = null;
        do
        {
            var page = await fixture.Client.CoreV1.ListNamespacedPodAsync("kube-system", limit: 128, continueParameter: token);
            pages++;
            listVersion ??= page.Metadata.ResourceVersion;
            Assert.Equal(listVersion, page.Metadata.ResourceVersion);
            names.AddRange(page.Items.Select(p => p.Metadata.Name));
            token = page.Metadata.ContinueProperty;
            if (token is not null) Assert.Equal(1_000 - names.Count, page.Metadata.RemainingItemCount);
            // Changes while paging must not show up in later pages of this list.
            if (pages == 2)
            {
                store.Delete(KubernetesResources.Pods, "kube-system", "cilium-0999");
                store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-9999", "node-x", CiliumLabels));
            }
        }
        while (token is not null);

        Assert.Equal(8, pages);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => $"cilium-{i:D4}"), names);
    }

    [Fact]
    public async Task An_expired_continue_token_is_410_Expired()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        for (var i = 0; i < 10; i++)
            fixture.Server.Store.Create(KubernetesResources.Nodes, Node($"node-{i:D2}"));
        var first = await fixture.Client.CoreV1.ListNodeAsync(limit: 3);

        fixture.Server.ExpireWatchHistory();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ListNodeAsync(limit: 3, continueParameter: first.Metadata.ContinueProperty));
        Assert.Equal(HttpStatusCode.Gone, error.Response.StatusCode);
        Assert.Equal("Expired", (string?)JsonNode.Parse(error.Response.Content)!["reason"]);
    }

    [Fact]
    public async Task A_watch_delivers_added_and_modified_in_order_with_increasing_versions_and_bookmarks()
    {
        await using var fixture = await ApiServerFixture.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        var store = fixture.Server.Store;
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-a", "node-01", CiliumLabels));
        var list = await fixture.Client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=cilium");

        var events = new List<(WatchEventType Type, string? Name, long Version)>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in fixture.Client.CoreV1.WatchListNamespacedPodAsync(
                               "kube-system", labelSelector: "k8s-app=cilium", resourceVersion: list.Metadata.ResourceVersion,
                               allowWatchBookmarks: true, cancellationToken: cancel.Token))
            {
                lock (events) events.Add((type, type == WatchEventType.Bookmark ? null : pod.Metadata.Name, long.Parse(pod.Metadata.ResourceVersion)));
            }
        }, cancel.Token);

        // Only after the stream is open do the changes happen; the watch must see them in order.
        await Eventually.WaitAsync(() => Task.FromResult<int?>(store.OpenWatches), n => n == 1, what: "the watch to open");
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-b", "node-02", CiliumLabels));
        store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("default", "web", "node-02"));
        store.Mutate(KubernetesResources.Pods, "kube-system", "cilium-a", pod => pod["status"]!["phase"] = "Failed");
        store.Mutate(KubernetesResources.Pods, "kube-system", "cilium-b", pod => pod["metadata"]!["labels"] = new JsonObject { ["k8s-app"] = "other" });

        await Eventually.WaitAsync(
            () => Task.FromResult<int?>(Snapshot(events).Count(e => e.Type == WatchEventType.Bookmark && e.Version == store.ResourceVersion)),
            n => n > 0, what: "a bookmark at the latest resourceVersion");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        var changes = Snapshot(events).Where(e => e.Type != WatchEventType.Bookmark).ToArray();
        Assert.Equal(
            [(WatchEventType.Added, "cilium-b"), (WatchEventType.Modified, "cilium-a"), (WatchEventType.Deleted, "cilium-b")],
            changes.Select(e => (e.Type, e.Name)).ToArray());
        Assert.True(changes.Zip(changes.Skip(1)).All(pair => pair.First.Version < pair.Second.Version));
        Assert.True(changes[0].Version > long.Parse(list.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task A_watch_without_resource_version_starts_with_the_current_objects_as_added()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-01"));
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-02"));

        var seen = new List<string>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, node) in fixture.Client.CoreV1.WatchListNodeAsync(timeoutSeconds: 1, cancellationToken: cancel.Token))
        {
            Assert.Equal(WatchEventType.Added, type);
            seen.Add(node.Metadata.Name);
        }

        Assert.Equal(["node-01", "node-02"], seen);
    }

    [Fact]
    public async Task A_watch_from_an_expired_resource_version_gets_410_Expired_in_the_stream()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        var store = fixture.Server.Store;
        store.Create(KubernetesResources.Nodes, Node("node-01"));
        var list = await fixture.Client.CoreV1.ListNodeAsync();
        store.Mutate(KubernetesResources.Nodes, null, "node-01", n => n["metadata"]!["labels"] = new JsonObject { ["a"] = "b" });

        fixture.Server.ExpireWatchHistory();

        var errors = new List<Exception>();
        var events = 0;
        await foreach (var _ in fixture.Client.CoreV1.WatchListNodeAsync(resourceVersion: list.Metadata.ResourceVersion, onError: errors.Add))
            events++;

        Assert.Equal(0, events);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.StartsWith("too old resource version: ", error.Status.Message, StringComparison.Ordinal);

        // Re-listing gives a version the watch accepts again. (KubernetesClient needs at least one
        // line in a watch stream: one that ends empty throws, so a change is made first.)
        var relist = await fixture.Client.CoreV1.ListNodeAsync();
        store.Mutate(KubernetesResources.Nodes, null, "node-01", n => n["metadata"]!["labels"] = new JsonObject { ["a"] = "c" });
        await foreach (var (type, _) in fixture.Client.CoreV1.WatchListNodeAsync(resourceVersion: relist.Metadata.ResourceVersion, timeoutSeconds: 1, onError: errors.Add))
        {
            Assert.Equal(WatchEventType.Modified, type);
            events++;
        }
        Assert.Single(errors);
        Assert.Equal(1, events);
    }

    [Fact]
    public async Task The_expired_watch_can_be_answered_with_an_http_410_instead()
    {
        await using var fixture = await ApiServerFixture.StartAsync(new TestApiServerOptions { ExpiredWatchAnswer = ExpiredWatchAnswer.HttpGone });
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-01"));
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-02"));
        fixture.Server.ExpireWatchHistory();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.ListNodeWithHttpMessagesAsync(watch: true, resourceVersion: "1"));

        Assert.Equal(HttpStatusCode.Gone, error.Response.StatusCode);
        Assert.Equal("Expired", (string?)JsonNode.Parse(error.Response.Content)!["reason"]);
    }

    [Fact]
    public async Task A_closed_watch_is_ended_by_the_server_so_the_client_reconnects()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-01"));
        var list = await fixture.Client.CoreV1.ListNodeAsync();
        var closed = new TaskCompletionSource();
        using var watcher = fixture.Client.CoreV1.WatchListNode(resourceVersion: list.Metadata.ResourceVersion, onEvent: (_, _) => { }, onClosed: () => closed.TrySetResult());
        await Eventually.WaitAsync(() => Task.FromResult<int?>(fixture.Server.Store.OpenWatches), n => n == 1, what: "the watch to open");

        fixture.Server.ExpireWatchHistory();

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_merge_patch_of_an_annotation_keeps_the_generation_and_a_spec_patch_bumps_it()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "flux-system" } });
        fixture.Server.Store.Create(KubernetesResources.Kustomizations, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "cilium", ["namespace"] = "flux-system" },
            ["spec"] = new JsonObject { ["interval"] = "10m", ["path"] = "./gitops/infrastructure/cilium", ["prune"] = true },
        });
        const string group = "kustomize.toolkit.fluxcd.io";

        var annotated = Parse(await fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"2026-08-20T10:15:00.123456789Z"}}}""", V1Patch.PatchType.MergePatch),
            group, "v1", "flux-system", "kustomizations", "cilium"));
        var respecced = Parse(await fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"replace","path":"/spec/interval","value":"5m"}]""", V1Patch.PatchType.JsonPatch),
            group, "v1", "flux-system", "kustomizations", "cilium"));

        Assert.Equal(1, (long?)annotated["metadata"]!["generation"]);
        Assert.Equal("2026-08-20T10:15:00.123456789Z", (string?)annotated["metadata"]!["annotations"]!["reconcile.fluxcd.io/requestedAt"]);
        Assert.Equal(2, (long?)respecced["metadata"]!["generation"]);
        Assert.True(long.Parse((string)respecced["metadata"]!["resourceVersion"]!) > long.Parse((string)annotated["metadata"]!["resourceVersion"]!));
    }

    [Fact]
    public async Task A_write_with_a_stale_resource_version_is_a_409_Conflict()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        var created = fixture.Server.Store.Create(KubernetesResources.ConfigMaps, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "cilium-config", ["namespace"] = "kube-system" },
            ["data"] = new JsonObject { ["enable-wireguard"] = "false" },
        });
        var stale = created.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var map = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system");
        map.Data["enable-wireguard"] = "true";
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "cilium-config", "kube-system");

        map.Metadata.ResourceVersion = stale;
        var put = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "cilium-config", "kube-system"));
        var patch = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch($$$"""{"metadata":{"resourceVersion":"{{{stale}}}"},"data":{"enable-wireguard":"false"}}""", V1Patch.PatchType.MergePatch), "cilium-config", "kube-system"));

        Assert.Equal(HttpStatusCode.Conflict, put.Response.StatusCode);
        Assert.Equal("Conflict", (string?)JsonNode.Parse(put.Response.Content)!["reason"]);
        Assert.Equal(HttpStatusCode.Conflict, patch.Response.StatusCode);
        Assert.Equal("true", (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("cilium-config", "kube-system")).Data["enable-wireguard"]);
    }

    [Fact]
    public async Task A_status_write_does_not_bump_generation_and_a_main_write_cannot_change_status()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.DaemonSets, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "cilium", ["namespace"] = "kube-system" },
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["a"] = "1" } } } },
        });
        var ds = await fixture.Client.AppsV1.ReadNamespacedDaemonSetAsync("cilium", "kube-system");
        ds.Status = new V1DaemonSetStatus { ObservedGeneration = 1, DesiredNumberScheduled = 17, NumberReady = 17, CurrentNumberScheduled = 17, NumberMisscheduled = 0 };
        var afterStatus = await fixture.Client.AppsV1.ReplaceNamespacedDaemonSetStatusAsync(ds, "cilium", "kube-system");
        afterStatus.Status.NumberReady = 3;
        afterStatus.Spec.Template.Metadata.Annotations["a"] = "2";
        var afterMain = await fixture.Client.AppsV1.ReplaceNamespacedDaemonSetAsync(afterStatus, "cilium", "kube-system");

        Assert.Equal(1, afterStatus.Metadata.Generation);
        Assert.Equal(17, afterStatus.Status.DesiredNumberScheduled);
        Assert.Equal(2, afterMain.Metadata.Generation);
        Assert.Equal(17, afterMain.Status.NumberReady);
    }

    [Fact]
    public async Task Creating_twice_is_409_AlreadyExists_and_deleting_then_reading_is_404()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" }, Data = new Dictionary<string, string> { ["k"] = "v" } };
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(map, "default");

        var twice = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(map, "default"));
        await fixture.Client.CoreV1.DeleteNamespacedConfigMapAsync("x", "default");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("x", "default"));
        var noNamespace = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(map, "nowhere"));

        Assert.Equal("AlreadyExists", (string?)JsonNode.Parse(twice.Response.Content)!["reason"]);
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        Assert.Equal("namespaces \"nowhere\" not found", (string?)JsonNode.Parse(noNamespace.Response.Content)!["message"]);
    }

    [Fact]
    public async Task Exec_streams_stdout_and_a_zero_exit_through_the_clients_exec_api()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-abcde", "node-01", CiliumLabels, container: "cilium-agent"));
        ExecRequest? seen = null;
        fixture.Server.Exec.Register(["cilium-dbg", "status", "-o", "json"], (request, _) =>
        {
            seen = request;
            return Task.FromResult(ExecResult.Success("""{"cilium":{"state":"Ok","msg":""}}""" + "\n"));
        });

        var (exitCode, stdout, stderr) = await Exec(fixture.Client, "cilium-abcde", ["cilium-dbg", "status", "-o", "json"]);

        Assert.Equal(0, exitCode);
        Assert.Equal("Ok", (string?)JsonNode.Parse(stdout)!["cilium"]!["state"]);
        Assert.Equal("", stderr);
        Assert.Equal("cilium-agent", seen!.Container);
        Assert.Equal(1, fixture.Server.Requests["create", "pods/exec"]);
    }

    [Fact]
    public async Task A_failing_exec_surfaces_its_non_zero_exit_code_and_stderr()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-abcde", "node-01", CiliumLabels, container: "cilium-agent"));
        fixture.Server.Exec.Register(["cilium-dbg", "status", "--brief"], (_, _) => Task.FromResult(ExecResult.Failure(1, "cilium: daemon unreachable\n")));

        var (exitCode, _, stderr) = await Exec(fixture.Client, "cilium-abcde", ["cilium-dbg", "status", "--brief"]);
        var (missing, _, missingStderr) = await Exec(fixture.Client, "cilium-abcde", ["no-such-tool"]);

        Assert.Equal(1, exitCode);
        Assert.Equal("cilium: daemon unreachable\n", stderr);
        Assert.Equal(127, missing);
        Assert.Contains("executable file not found", missingStderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_negotiates_v5_when_offered_and_the_demuxer_reads_the_exit_status()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-abcde", "node-01", CiliumLabels, container: "cilium-agent"));
        fixture.Server.Exec.Register(["cilium-dbg", "status", "--brief"], (_, _) => Task.FromResult(new ExecResult(1, "error in cilium: agent is starting\n")));

        using var socket = await fixture.Client.WebSocketNamespacedPodExecAsync(
            "cilium-abcde", "kube-system", ["cilium-dbg", "status", "--brief"], "cilium-agent", stdin: false, tty: false,
            webSocketSubProtocol: WebSocketProtocol.V5BinaryWebsocketProtocol);
        Assert.Equal(WebSocketProtocol.V5BinaryWebsocketProtocol, socket.SubProtocol);
        using var demuxer = new StreamDemuxer(socket, supportsClose: true);
        using var stdout = new StreamReader(demuxer.GetStream(ChannelIndex.StdOut, null));
        using var error = new StreamReader(demuxer.GetStream(ChannelIndex.Error, null));
        demuxer.Start();
        var output = await stdout.ReadToEndAsync();
        var status = KubernetesJson.Deserialize<V1Status>(await error.ReadToEndAsync());

        Assert.Equal("error in cilium: agent is starting\n", output);
        Assert.Equal(1, Kubernetes.GetExitCodeOrThrow(status));
    }

    [Fact]
    public async Task Exec_into_a_missing_pod_or_container_fails_before_any_output()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Pods, ApiServerFixture.Pod("kube-system", "cilium-abcde", "node-01", CiliumLabels, container: "cilium-agent"));
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Server.BearerToken);

        await Assert.ThrowsAnyAsync<Exception>(() => Exec(fixture.Client, "cilium-gone", ["cilium-dbg", "status"]));
        using var missingPod = await http.GetAsync("api/v1/namespaces/kube-system/pods/cilium-gone/exec?command=ls&container=cilium-agent");
        using var wrongContainer = await http.GetAsync("api/v1/namespaces/kube-system/pods/cilium-abcde/exec?command=ls&container=mount-cgroup");
        using var noUpgrade = await http.GetAsync("api/v1/namespaces/kube-system/pods/cilium-abcde/exec?command=ls&container=cilium-agent");

        Assert.Equal(HttpStatusCode.NotFound, missingPod.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongContainer.StatusCode);
        Assert.Equal("container mount-cgroup is not valid for pod cilium-abcde", (string?)JsonNode.Parse(await wrongContainer.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal("Upgrade request required", (string?)JsonNode.Parse(await noUpgrade.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task A_down_server_refuses_connections_and_comes_back_with_its_objects()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-01"));
        var closed = new TaskCompletionSource();
        using var watcher = fixture.Client.CoreV1.WatchListNode(onEvent: (_, _) => { }, onClosed: () => closed.TrySetResult(), onError: _ => closed.TrySetResult());
        await Eventually.WaitAsync(() => Task.FromResult<int?>(fixture.Server.Store.OpenWatches), n => n == 1, what: "the watch to open");

        await fixture.Server.GoDownAsync();

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => fixture.NewClient().CoreV1.ListNodeAsync());
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);

        await fixture.Server.ComeBackAsync();

        var nodes = await fixture.NewClient().CoreV1.ListNodeAsync();
        Assert.Equal("node-01", Assert.Single(nodes.Items).Metadata.Name);
    }

    [Fact]
    public async Task An_unavailable_server_answers_503_and_latency_delays_every_answer()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.ServiceUnavailable = true;
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ListNodeAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.Response.StatusCode);
        Assert.Equal("ServiceUnavailable", (string?)JsonNode.Parse(error.Response.Content)!["reason"]);

        fixture.Server.ServiceUnavailable = false;
        fixture.Server.Latency = TimeSpan.FromMilliseconds(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await fixture.Client.CoreV1.ListNodeAsync();
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Requests_are_counted_per_verb_and_resource()
    {
        await using var fixture = await ApiServerFixture.StartAsync();
        fixture.Server.Store.Create(KubernetesResources.Nodes, Node("node-01"));

        await fixture.Client.CoreV1.ListNodeAsync();
        await fixture.Client.CoreV1.ListNodeAsync();
        await fixture.Client.CoreV1.ReadNodeAsync("node-01");
        await fixture.Client.CustomObjects.ListClusterCustomObjectAsync("cilium.io", "v2", "ciliumnodes");

        Assert.Equal(2, fixture.Server.Requests["list", "nodes"]);
        Assert.Equal(1, fixture.Server.Requests["get", "nodes"]);
        Assert.Equal(1, fixture.Server.Requests["list", "ciliumnodes.cilium.io"]);
        fixture.Server.Requests.Reset();
        Assert.Equal(0, fixture.Server.Requests.Total);
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> Exec(IKubernetes client, string pod, string[] command)
    {
        var stdout = "";
        var stderr = "";
        var exitCode = await client.NamespacedPodExecAsync(pod, "kube-system", "cilium-agent", command, tty: false, async (_, output, error) =>
        {
            using var outReader = new StreamReader(output);
            using var errReader = new StreamReader(error);
            stdout = await outReader.ReadToEndAsync();
            stderr = await errReader.ReadToEndAsync();
        }, CancellationToken.None);
        return (exitCode, stdout, stderr);
    }

    private static JsonNode Parse(object customObject) => JsonNode.Parse(((JsonElement)customObject).GetRawText())!;

    private static List<T> Snapshot<T>(List<T> list)
    {
        lock (list) return [.. list];
    }

    private static JsonObject Node(string name) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } },
        ["spec"] = new JsonObject { ["podCIDR"] = "10.244.0.0/24" },
    };
}
