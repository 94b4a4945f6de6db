using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.TestCluster.Api;

public sealed record TestApiServerOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Events kept per resource for watches that resume from a resourceVersion; older ones get 410.</summary>
    public int WatchHistoryPerResource { get; init; } = 10_000;

    /// <summary>How often watches that allow bookmarks get one (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A watch without <c>timeoutSeconds</c> ends after this (the real server: 30–60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a list snapshot behind a <c>continue</c> token is kept (the real one: until etcd compacts, ~5 minutes).</summary>
    public TimeSpan ContinueTokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    public ExpiredWatchAnswer ExpiredWatchAnswer { get; init; } = ExpiredWatchAnswer.ErrorEvent;

    /// <summary>Every request must carry <c>Authorization: Bearer</c> this (else 401), as a real server demands credentials.</summary>
    public string BearerToken { get; init; } = "controlapi-test-token";
}

/// <summary>
/// A Kubernetes API server test double on 127.0.0.1 (plain HTTP, random port) that the real
/// KubernetesClient reaches through a kubeconfig: objects with resourceVersion and generation,
/// GET/LIST with selectors and paging, WATCH with bookmarks and 410, PATCH, <c>Status</c> errors and
/// <c>pods/exec</c> over WebSocket. Knobs make it slow, unavailable or dead.
/// </summary>
public sealed class TestKubernetesApiServer : IAsyncDisposable
{
    public const string ContextName = "test";
    public const string ClusterName = "test-cluster";
    public const string UserName = "test-user";

    private readonly TestApiServerOptions _options;
    private readonly ContinueTokens _continueTokens;
    private readonly RestEndpoint _rest;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private readonly Task _bookmarks;
    private WebApplication? _app;
    private CancellationTokenSource _running = new();
    private int _port;
    private long _latencyTicks;

    private TestKubernetesApiServer(TestApiServerOptions options)
    {
        _options = options;
        ExpiredWatchAnswer = options.ExpiredWatchAnswer;
        Store = new ObjectStore(options.TimeProvider, options.WatchHistoryPerResource);
        _continueTokens = new ContinueTokens(options.TimeProvider, options.ContinueTokenLifetime);
        var watches = new WatchEndpoint(Store, () => ExpiredWatchAnswer, options.DefaultWatchTimeout);
        _rest = new RestEndpoint(Store, _continueTokens, watches, new ExecEndpoint(Store, Exec), Requests);
        _bookmarks = SendBookmarksAsync(_disposed.Token);
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            Store.Create(KubernetesResources.Namespaces, NamespaceObject(name));
    }

    public static async Task<TestKubernetesApiServer> StartAsync(TestApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var server = new TestKubernetesApiServer(options ?? new TestApiServerOptions());
        await server.StartHostAsync(port: 0, cancellationToken);
        return server;
    }

    public ObjectStore Store { get; }

    /// <summary>What <c>pods/exec</c> runs; register handlers per command.</summary>
    public ExecCommandTable Exec { get; } = new();

    public RequestCounter Requests { get; } = new();

    public Uri BaseAddress => new($"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/");

    public string BearerToken => _options.BearerToken;

    /// <summary>Delay added before every request is handled (watches: before the stream opens).</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>
    /// Answer every request with 503 ServiceUnavailable (a Status body), as an overloaded server or a
    /// load balancer without a healthy backend does; open watches are cut.
    /// </summary>
    public bool ServiceUnavailable
    {
        get;
        set
        {
            field = value;
            if (value) Store.CloseAllWatches();
        }
    }

    public ExpiredWatchAnswer ExpiredWatchAnswer { get; set; }

    /// <summary>True between <see cref="GoDownAsync"/> and <see cref="ComeBackAsync"/>.</summary>
    public bool IsDown => _app is null;

    /// <summary>
    /// Kills the server as a crashed or unreachable API server looks to a client: the listening socket
    /// is closed, so new connections are refused (<c>HttpRequestException</c> wrapping a
    /// <c>SocketException</c> ConnectionRefused), and open watch and exec connections are dropped
    /// mid-stream. The stored objects survive, like etcd behind a restarting API server.
    /// </summary>
    public async Task GoDownAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_app is null) return;
            await _running.CancelAsync();
            Store.CloseAllWatches();
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
            _app = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again on the same port, with the same objects and resourceVersions.</summary>
    public async Task ComeBackAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_app is not null) return;
            _running.Dispose();
            _running = new CancellationTokenSource();
            await StartHostLockedAsync(_port, cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Forces 410 Gone: forgets the watch history up to now and closes every open watch, as when the
    /// watch cache or etcd compaction outruns the watchers. A watcher that resumes from a
    /// resourceVersion older than the current one gets 410 Expired (see <see cref="ExpiredWatchAnswer"/>);
    /// outstanding <c>continue</c> tokens expire too.
    /// </summary>
    /// <returns>The resourceVersion the history now starts after.</returns>
    public long ExpireWatchHistory()
    {
        _continueTokens.ExpireAll();
        return Store.CompactHistory();
    }

    /// <summary>Writes a kubeconfig with context <see cref="ContextName"/> (server, bearer token) and returns its path.</summary>
    public string WriteKubeconfig(string path, string contextName = ContextName)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {ClusterName}
              cluster:
                server: {BaseAddress.ToString().TrimEnd('/')}
            users:
            - name: {UserName}
              user:
                token: {BearerToken}
            contexts:
            - name: {contextName}
              context:
                cluster: {ClusterName}
                user: {UserName}
                namespace: default
            current-context: {contextName}

            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await GoDownAsync();
        try
        {
            await _bookmarks;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
        _running.Dispose();
        _disposed.Dispose();
        _lifecycle.Dispose();
    }

    private async Task StartHostAsync(int port, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StartHostLockedAsync(port, cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StartHostLockedAsync(int port, CancellationToken cancellationToken)
    {
        // Coming back on a fixed port can race the kernel releasing it; retry briefly like a restarting process would.
        for (var attempt = 1; ; attempt++)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
                kestrel.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            });
            var app = builder.Build();
            app.UseWebSockets();
            app.Run(DispatchAsync);
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e) when (attempt < 20 && e.InnerException is SocketException or AddressInUseException)
            {
                await app.DisposeAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
                continue;
            }
            var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _port = new Uri(address).Port;
            _app = app;
            return;
        }
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var running = _running.Token;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(running, context.RequestAborted);
        var cancellationToken = linked.Token;
        try
        {
            var latency = Latency;
            if (latency > TimeSpan.Zero) await Task.Delay(latency, _options.TimeProvider, cancellationToken);
            if (ServiceUnavailable) throw new ApiException(ApiStatus.ServiceUnavailable());
            if (context.Request.Headers.Authorization.ToString() != $"Bearer {_options.BearerToken}")
                throw new ApiException(ApiStatus.Unauthorized());

            var path = context.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/readyz" or "/livez")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", cancellationToken);
                return;
            }
            if (path == "/version")
            {
                Requests.Record(new RequestKind("get", "version"));
                await ApiResponses.WriteJsonAsync(context, VersionInfo(), StatusCodes.Status200OK, cancellationToken);
                return;
            }
            var target = ApiPath.Parse(path) ?? throw new ApiException(ApiStatus.NoSuchPath());
            await _rest.HandleAsync(context, target, cancellationToken);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await ApiResponses.WriteStatusAsync(context, e.Status, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left, or the server is going down: nothing to answer.
        }

        // A dying server does not end its streams cleanly: drop the connection.
        if (running.IsCancellationRequested) context.Abort();
    }

    private async Task SendBookmarksAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.BookmarkInterval, _options.TimeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (!IsDown && !ServiceUnavailable) Store.Bookmark();
        }
    }

    private static JsonObject VersionInfo() => new()
    {
        ["major"] = "1",
        ["minor"] = "33",
        ["gitVersion"] = "v1.33.0-controlapi-test",
        ["platform"] = "linux/amd64",
    };

    private static JsonObject NamespaceObject(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name } },
        ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
        ["status"] = new JsonObject { ["phase"] = "Active" },
    };
}
