using Microsoft.Extensions.Options;

namespace ControlApi.Configuration;

/// <summary>
/// Absolute locations under the data directory; the one place relative paths are resolved. It also
/// holds the directory: SQLite means one instance, and a second process on the same directory (two
/// pods on one volume during a rollout, <c>dotnet run</c> twice) would commit and audit everything
/// twice, so it is refused at start. Everything that opens a file there asks this class first.
/// </summary>
public sealed class DataPaths : IDisposable
{
    public const string LockFileName = "controlapi.lock";
    private readonly FileStream _lock;

    public DataPaths(IOptions<ControlApiOptions> options, IHostEnvironment environment)
    {
        Root = Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath);
        _lock = Lock(Root, options.Value.DataDirectoryLockTimeout);
    }

    /// <summary>An exclusive lock on a file in the directory, held for the life of the process (an OS lock: a crash releases it).</summary>
    private static FileStream Lock(string root, TimeSpan wait)
    {
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The data directory {root} cannot be created: {ex.Message} Make it writable for ControlApi, or set ControlApi:DataDirectory to one that is.", ex);
        }
        // A previous instance may still be stopping (a restart, a pod terminating while its successor
        // starts on the same volume): it gets a moment to let go before this one gives up.
        var deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (Persistence.StorageFaults.Classify(ex) is { Kind: Persistence.StorageFaultKind.ReadOnly or Persistence.StorageFaultKind.Full })
            {
                // Not another process: the directory cannot be written at all, and waiting will not change that.
                throw new InvalidOperationException($"The data directory {root} cannot be written: {ex.Message} Make it writable (and give it free space) for ControlApi, or set ControlApi:DataDirectory to one that is.", ex);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(100); // a constructor cannot await; this runs once, at start
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Refusal(root, ex);
            }
        }
    }

    private static InvalidOperationException Refusal(string root, Exception ex) => ex is UnauthorizedAccessException
        ? new InvalidOperationException($"The data directory {root} is not writable: {ex.Message} Make it writable for ControlApi, or set ControlApi:DataDirectory to one that is.", ex)
        : new InvalidOperationException(
            $"Another ControlApi process is using the data directory {root}. The embedded SQLite database allows one instance per data directory; stop the other process, or give this one its own ControlApi:DataDirectory.", ex);

    public void Dispose() => _lock.Dispose();

    public string Root { get; }
    public string Database => Path.Combine(Root, "controlapi.db");
    public string HangfireDatabase => Path.Combine(Root, "hangfire.db");
    public string WorkingCopies => Path.Combine(Root, "worktrees");

    public string WorkingCopy(string clusterId) => Path.Combine(WorkingCopies, clusterId);

    /// <summary>Says that ControlApi created a cluster's embedded repository (so it is never created twice).</summary>
    public string EmbeddedRepositoryMarker(string clusterId) => Path.Combine(Root, "embedded-repositories", clusterId);

    /// <summary>
    /// A remote that is a plain relative path lives inside the data directory (the embedded default);
    /// URLs and scp-like <c>user@host:path</c> remotes are left as they are.
    /// </summary>
    public string ResolveRepository(string repository)
    {
        if (repository.Contains("://", StringComparison.Ordinal)) return repository;
        if (IsScpLike(repository)) return repository;
        return Path.GetFullPath(repository, Root);
    }

    private static bool IsScpLike(string value)
    {
        var colon = value.IndexOf(':');
        var slash = value.IndexOf('/');
        return colon > 0 && (slash < 0 || colon < slash);
    }
}
