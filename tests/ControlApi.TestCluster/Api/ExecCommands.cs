namespace ControlApi.TestCluster.Api;

/// <summary>An exec as the kubelet would run it: the pod (as stored when the exec started), container and argv.</summary>
public sealed record ExecRequest(string Namespace, string Pod, string Container, IReadOnlyList<string> Command, StoredObject PodObject);

/// <summary>What the "process" printed and how it exited.</summary>
public sealed record ExecResult(int ExitCode, string Stdout = "", string Stderr = "")
{
    public static ExecResult Success(string stdout) => new(0, stdout);

    public static ExecResult Failure(int exitCode, string stderr, string stdout = "") => new(exitCode, stdout, stderr);
}

public delegate Task<ExecResult> ExecHandler(ExecRequest request, CancellationToken cancellationToken);

/// <summary>
/// The commands containers can run. Handlers are looked up by container name and exact argv; the
/// simulator registers the Cilium agent's <c>cilium-dbg status …</c> family. A command nobody
/// registered fails the way a missing binary does under containerd (exit 127 and the runtime's
/// message on stderr).
/// </summary>
public sealed class ExecCommandTable
{
    private readonly Lock _gate = new();
    private readonly List<(string? Container, IReadOnlyList<string> Command, ExecHandler Handler)> _handlers = [];
    private readonly List<(string Container, string Program, ExecHandler Handler)> _programs = [];

    /// <summary>Registers (or replaces) the handler of <paramref name="command"/>; <paramref name="container"/> null means any container.</summary>
    public void Register(IReadOnlyList<string> command, ExecHandler handler, string? container = null)
    {
        lock (_gate)
        {
            _handlers.RemoveAll(h => h.Container == container && h.Command.SequenceEqual(command));
            _handlers.Add((container, command.ToArray(), handler));
        }
    }

    /// <summary>
    /// Registers a program that parses its own flags (e.g. <c>hubble observe --since 15m</c>): it answers any
    /// argv starting with <paramref name="program"/> in <paramref name="container"/> that no exact handler answers.
    /// </summary>
    public void RegisterProgram(string program, ExecHandler handler, string container)
    {
        lock (_gate)
        {
            _programs.RemoveAll(p => p.Container == container && p.Program == program);
            _programs.Add((container, program, handler));
        }
    }

    public Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken)
    {
        ExecHandler? handler;
        lock (_gate)
        {
            handler = _handlers
                .Where(h => (h.Container is null || h.Container == request.Container) && h.Command.SequenceEqual(request.Command))
                .OrderBy(h => h.Container is null ? 1 : 0)
                .Select(h => h.Handler)
                .FirstOrDefault()
                ?? _programs.Where(p => p.Container == request.Container && request.Command.Count > 0 && request.Command[0] == p.Program)
                    .Select(p => p.Handler).FirstOrDefault();
        }
        return handler is not null
            ? handler(request, cancellationToken)
            : Task.FromResult(ExecResult.Failure(127,
                $"OCI runtime exec failed: exec failed: unable to start container process: exec: \"{request.Command[0]}\": executable file not found in $PATH: unknown\n"));
    }
}
