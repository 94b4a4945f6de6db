using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ControlApi.TestCluster.Api;

/// <summary>
/// <c>pods/{name}/exec</c> over WebSocket with the Kubernetes remote-command channel protocol:
/// binary messages whose first byte is the channel (1 stdout, 2 stderr, 3 the final
/// <c>Status</c>), then a normal close. Speaks <c>v5.channel.k8s.io</c> and <c>v4.channel.k8s.io</c>,
/// choosing the newest one the client offers and echoing it in the handshake, as the kubelet does.
/// </summary>
internal sealed class ExecEndpoint(ObjectStore store, ExecCommandTable commands)
{
    public const string V5Protocol = "v5.channel.k8s.io";
    public const string V4Protocol = "v4.channel.k8s.io";
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte StatusChannel = 3;

    /// <summary>How long to wait for the client's close frame before dropping the connection.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext context, ApiTarget target, CancellationToken cancellationToken)
    {
        var pod = store.Get(KubernetesResources.Pods, target.Namespace, target.Name!)
            ?? throw new ApiException(ApiStatus.NotFound(KubernetesResources.Pods, target.Name!));
        var query = context.Request.Query;
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToArray();
        if (command.Length == 0) throw new ApiException(ApiStatus.BadRequest("you must specify at least 1 command"));
        var container = ResolveContainer(pod, query["container"].FirstOrDefault());
        var wantStdout = Flag(query["stdout"].FirstOrDefault(), defaultValue: true);
        var wantStderr = Flag(query["stderr"].FirstOrDefault(), defaultValue: true);

        if (!context.WebSockets.IsWebSocketRequest) throw new ApiException(ApiStatus.BadRequest("Upgrade request required"));
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var protocol = new[] { V5Protocol, V4Protocol }.FirstOrDefault(offered.Contains)
            ?? throw new ApiException(ApiStatus.BadRequest($"none of the requested websocket subprotocols [{string.Join(", ", offered)}] is supported; use {V5Protocol} or {V4Protocol}"));

        var request = new ExecRequest(target.Namespace!, target.Name!, container, command, pod);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = protocol });
        // The client may send stdin or (v5) channel-close frames; read and ignore them so its close frame is seen.
        var drain = DrainAsync(socket, cancellationToken);

        var result = await commands.RunAsync(request, cancellationToken);
        if (wantStdout && result.Stdout.Length > 0) await SendAsync(socket, StdoutChannel, Encoding.UTF8.GetBytes(result.Stdout), cancellationToken);
        if (wantStderr && result.Stderr.Length > 0) await SendAsync(socket, StderrChannel, Encoding.UTF8.GetBytes(result.Stderr), cancellationToken);
        await SendAsync(socket, StatusChannel, Encoding.UTF8.GetBytes(ExitStatus(command, result.ExitCode).ToJsonString()), cancellationToken);

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        await Task.WhenAny(drain, Task.Delay(CloseHandshakeTimeout, cancellationToken));
    }

    /// <summary>The kubelet's exit report: Success, or Failure/NonZeroExitCode with the code in <c>details.causes</c>.</summary>
    public static JsonObject ExitStatus(IReadOnlyList<string> command, int exitCode) =>
        exitCode == 0
            ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
            : new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(" ", command)}], exit code {exitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                },
            };

    private static string ResolveContainer(StoredObject pod, string? requested)
    {
        var podJson = pod.ToJsonObject();
        var containers = (podJson["spec"]?["containers"] as JsonArray ?? [])
            .Select(c => c?["name"]?.GetValue<string>())
            .OfType<string>()
            .ToArray();
        if (string.IsNullOrEmpty(requested))
        {
            if (containers.Length == 1) requested = containers[0];
            else throw new ApiException(ApiStatus.BadRequest($"a container name must be specified for pod {pod.Name}, choose one of: [{string.Join(" ", containers)}]"));
        }
        if (!containers.Contains(requested))
            throw new ApiException(ApiStatus.BadRequest($"container {requested} is not valid for pod {pod.Name}"));

        var running = (podJson["status"]?["containerStatuses"] as JsonArray ?? [])
            .Any(s => s?["name"]?.GetValue<string>() == requested && s["state"]?["running"] is not null);
        if (!running)
            throw new ApiException(ApiStatus.BadRequest($"unable to upgrade connection: container not found (\"{requested}\")"));
        return requested;
    }

    private static bool Flag(string? value, bool defaultValue) =>
        value is null ? defaultValue : value is "1" or "true" or "True";

    private static async Task SendAsync(WebSocket socket, byte channel, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[payload.Length + 1];
        frame[0] = channel;
        payload.CopyTo(frame, 1);
        await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
    }

    private static async Task DrainAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var received = await socket.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close) return;
            }
        }
        catch (WebSocketException)
        {
            // The client went away without a close frame; nothing more to read.
        }
        catch (OperationCanceledException)
        {
            // The server is stopping.
        }
    }
}
