using ControlApi.Core.Rendering;
using ControlApi.GitOps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlApi.Tests.GitOps.Support;

/// <summary>
/// Everything one test needs, built fresh: its own temp directory, the client wired the way
/// <c>AddGitOps</c> wires it, captured logs, and plain git for the other side.
/// </summary>
public sealed class GitTestBed : IDisposable
{
    public const string ClusterId = "goldentooth";
    public const string CiliumPath = "gitops/infrastructure/cilium";

    public static readonly IReadOnlyList<string> ManagedPaths =
    [
        $"{CiliumPath}/kustomization.yaml",
        $"{CiliumPath}/repository.yaml",
        $"{CiliumPath}/release.yaml",
        $"{CiliumPath}/bgp.yaml",
        $"{CiliumPath}/namespace.yaml",
        "talos/patches/cilium.yaml",
    ];

    public static readonly GitAuthor Author = new("ControlApi", "controlapi@example.test");

    private readonly LoggerFactory _loggerFactory;

    public GitTestBed(TimeSpan? commandTimeout = null, int maxPublishAttempts = 5)
    {
        Temp = new TempDirectory();
        Logs = new CapturingLoggerProvider();
        _loggerFactory = new LoggerFactory([Logs]);
        Options = Microsoft.Extensions.Options.Options.Create(new GitClientOptions
        {
            ScratchDirectory = Temp.Combine("scratch"),
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60),
            MaxPublishAttempts = maxPublishAttempts,
        });
        Runner = new GitCommandRunner(Options, TimeProvider.System, _loggerFactory.CreateLogger<GitCommandRunner>());
        WorkingCopies = new GitWorkingCopyFactory(Runner, Options, _loggerFactory.CreateLogger<GitWorkingCopy>());
        BareRepositories = new BareRepository(Runner, Options, _loggerFactory.CreateLogger<BareRepository>());
        Repository = new GitOpsRepository(WorkingCopies, Options, _loggerFactory.CreateLogger<GitOpsRepository>());
        Git = new PlainGit(Temp.Combine("plain-home"));
    }

    public TempDirectory Temp { get; }
    public CapturingLoggerProvider Logs { get; }
    public IOptions<GitClientOptions> Options { get; }
    internal GitCommandRunner Runner { get; }
    public GitWorkingCopyFactory WorkingCopies { get; }
    public BareRepository BareRepositories { get; }
    public GitOpsRepository Repository { get; }
    public PlainGit Git { get; }

    public string WorkingDirectory => Temp.Combine("work", ClusterId);

    /// <summary>A local bare remote with ControlApi's initial README commit on main.</summary>
    public async Task<string> CreateRemoteAsync(string name = "gitops.git")
    {
        var path = Temp.Combine("remotes", name);
        await BareRepositories.EnsureCreatedAsync(path, "main", Author, CancellationToken.None);
        return path;
    }

    public GitOpsTarget TargetFor(string remoteUrl) => new(new GitRemote(remoteUrl, "main"), WorkingDirectory);

    public static ManifestCommit Revision(long number, params (string Name, string Content)[] ciliumFiles) =>
        Revision(number, "test change", ciliumFiles);

    public static ManifestCommit Revision(long number, string reason, params (string Name, string Content)[] ciliumFiles) => new(
        [.. ciliumFiles.Select(f => new ManagedFile($"{CiliumPath}/{f.Name}", f.Content))],
        ManagedPaths,
        new CommitMessage
        {
            Changes = [$"revision {number}"],
            ClusterId = ClusterId,
            Revision = number,
            Author = "ops-bot",
            OnBehalfOf = "alice",
            Reason = reason,
        },
        Author);

    public void Dispose()
    {
        _loggerFactory.Dispose();
        Temp.Dispose();
    }
}
