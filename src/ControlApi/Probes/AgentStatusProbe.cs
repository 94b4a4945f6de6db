using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ControlApi.Core.Observation;
using k8s;

namespace ControlApi.Probes;

/// <summary>What one exec returned: exit code (null when the exec itself failed), output, and the failure.</summary>
public sealed record ExecResult(int? ExitCode, string StandardOutput, string StandardError, string? Failure)
{
    /// <summary>
    /// The command is not in the container: the runtime refuses the exec ("executable file not
    /// found") or a shell-like runtime exits 126/127.
    /// </summary>
    public bool CommandMissing =>
        ExitCode is 126 or 127
        || (Failure ?? StandardError).Contains("executable file not found", StringComparison.OrdinalIgnoreCase)
        || (Failure ?? "").Contains("no such file or directory", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Runs <c>cilium-dbg status -o json</c> (and, for the health line, <c>--brief</c>) in agent pods
/// over the exec WebSocket (v4/v5 channel protocol: stdout 1, stderr 2, status 3), a bounded number
/// at a time. Falls back to <c>cilium status</c> in images older than 1.15, which have no
/// <c>cilium-dbg</c>, and remembers which one worked.
/// </summary>
public sealed class AgentStatusProbe
{
    public const string CurrentCli = "cilium-dbg";
    public const string LegacyCli = "cilium";

    public static Task<IReadOnlyList<AgentReport>> ReadAsync(
        ClusterConnection connection, IReadOnlyList<AgentPod> pods, bool withBrief, CancellationToken cancellationToken) =>
        ReadAsync(connection, pods, withBrief, report => report, cancellationToken);

    /// <summary>
    /// Asks every pod, a bounded number at a time, and keeps only what <paramref name="project"/>
    /// makes of each report — so thousands of full status documents never sit in memory together.
    /// </summary>
    public static async Task<IReadOnlyList<T>> ReadAsync<T>(
        ClusterConnection connection, IReadOnlyList<AgentPod> pods, bool withBrief, Func<AgentReport, T> project, CancellationToken cancellationToken)
    {
        var results = new T[pods.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, pods.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, connection.Options.ExecConcurrency), CancellationToken = cancellationToken },
            async (i, ct) => results[i] = project(await ReadOneAsync(connection, pods[i], withBrief, ct)));
        return results;
    }

    public static async Task<AgentReport> ReadOneAsync(ClusterConnection connection, AgentPod pod, bool withBrief, CancellationToken cancellationToken)
    {
        if (!pod.Running) return new AgentReport(pod.Name, pod.Node, null, Error: "the agent pod is not running");

        var json = await RunCliAsync(connection, pod, ["status", "-o", "json"], cancellationToken);
        if (json.Failure is not null || json.ExitCode != 0)
            return new AgentReport(pod.Name, pod.Node, null, Error: Describe(json));

        JsonElement status;
        try
        {
            using var document = JsonDocument.Parse(json.StandardOutput);
            status = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return new AgentReport(pod.Name, pod.Node, null, Error: $"the status is not JSON ({ex.Message})");
        }

        string? brief = null;
        if (withBrief)
        {
            // --brief exits 1 when the agent itself is unhealthy and still prints the line.
            var line = await RunCliAsync(connection, pod, ["status", "--brief"], cancellationToken);
            brief = line.Failure is null
                ? FirstLine(line.StandardOutput) ?? FirstLine(line.StandardError)
                : $"(--brief failed: {line.Failure})";
        }
        return new AgentReport(pod.Name, pod.Node, status, brief);
    }

    private static async Task<ExecResult> RunCliAsync(ClusterConnection connection, AgentPod pod, string[] arguments, CancellationToken cancellationToken)
    {
        var cli = connection.AgentCli ?? CurrentCli;
        var result = await ExecAsync(connection, pod, [cli, .. arguments], cancellationToken);
        if (result.CommandMissing)
        {
            var other = cli == CurrentCli ? LegacyCli : CurrentCli;
            var retry = await ExecAsync(connection, pod, [other, .. arguments], cancellationToken);
            if (!retry.CommandMissing)
            {
                connection.AgentCli = other;
                return retry;
            }
        }
        else if (result.Failure is null)
        {
            connection.AgentCli = cli;
        }
        return result;
    }

    /// <summary>The channel protocol every API server since 1.4 speaks; v5 only adds a close signal ControlApi does not need.</summary>
    public const string ChannelProtocol = "v4.channel.k8s.io";

    /// <summary>Output kept per channel; a status document is a few hundred KiB at most.</summary>
    private const int MaxChannelBytes = 16 * 1024 * 1024;

    /// <summary>
    /// One exec without stdin or a TTY (so stderr stays apart), bounded by the exec timeout. The
    /// channels are read straight off the WebSocket: KubernetesClient's demuxer blocks a thread per
    /// channel while it waits, and a few dozen execs at once would starve the thread pool.
    /// </summary>
    public static async Task<ExecResult> ExecAsync(ClusterConnection connection, AgentPod pod, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        connection.CountExec();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connection.Options.ExecTimeout);
        try
        {
            using var socket = await connection.Client.WebSocketNamespacedPodExecAsync(
                pod.Name, pod.Namespace, command, connection.Options.AgentContainer,
                stderr: true, stdin: false, stdout: true, tty: false, webSocketSubProtocol: ChannelProtocol, cancellationToken: timeout.Token);
            var channels = await ReadChannelsAsync(socket, timeout.Token);
            return Interpret(channels.Stdout, channels.Stderr, channels.Status);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ExecResult(null, "", "", $"no answer within {connection.Options.ExecTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A refused exec (pod gone, 403, container not running) is this agent's problem, not the cluster's.
            return new ExecResult(null, "", "", KubernetesCalls.Describe(ex) ?? $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// Each message's first byte names its channel (1 stdout, 2 stderr, 3 the final Status); the
    /// server closes the socket after the status.
    /// </summary>
    private static async Task<(string Stdout, string Stderr, string Status)> ReadChannelsAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var outputs = new[] { new MemoryStream(), new MemoryStream(), new MemoryStream(), new MemoryStream() };
        var buffer = new byte[16 * 1024];
        int? channel = null;
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            WebSocketReceiveResult received;
            try
            {
                received = await socket.ReceiveAsync(buffer, cancellationToken);
            }
            catch (WebSocketException) when (!cancellationToken.IsCancellationRequested && outputs[3].Length > 0)
            {
                break; // The status arrived and the server hung up without a close handshake: the exec is over.
            }
            if (received.MessageType == WebSocketMessageType.Close) break;
            var data = buffer.AsSpan(0, received.Count);
            if (channel is null && data.Length > 0)
            {
                channel = data[0];
                data = data[1..];
            }
            if (channel is >= 1 and <= 3 && outputs[channel.Value].Length + data.Length <= MaxChannelBytes)
                outputs[channel.Value].Write(data);
            if (received.EndOfMessage) channel = null;
        }
        string Text(int i) => Encoding.UTF8.GetString(outputs[i].GetBuffer(), 0, (int)outputs[i].Length);
        return (Text(1), Text(2), Text(3));
    }

    /// <summary>
    /// Reads the status channel's <c>Status</c> (metav1): Success → 0; NonZeroExitCode → the
    /// ExitCode cause; anything else is an exec failure with its message.
    /// </summary>
    public static ExecResult Interpret(string stdout, string stderr, string statusJson)
    {
        if (string.IsNullOrWhiteSpace(statusJson))
            return new ExecResult(null, stdout, stderr, "the exec ended without a status");
        try
        {
            using var document = JsonDocument.Parse(statusJson);
            var root = document.RootElement;
            if (root.String("status") == "Success") return new ExecResult(0, stdout, stderr, null);
            if (root.String("reason") == "NonZeroExitCode")
            {
                var code = root.Items("details", "causes").FirstOrDefault(c => c.String("reason") == "ExitCode").String("message");
                if (int.TryParse(code, out var exit)) return new ExecResult(exit, stdout, stderr, null);
            }
            return new ExecResult(null, stdout, stderr, root.String("message") ?? statusJson);
        }
        catch (JsonException)
        {
            return new ExecResult(null, stdout, stderr, $"unreadable exec status: {statusJson}");
        }
    }

    private static string Describe(ExecResult result) =>
        result.Failure ?? $"exit code {result.ExitCode}: {FirstLine(result.StandardError) ?? FirstLine(result.StandardOutput) ?? "(no output)"}";

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

}
