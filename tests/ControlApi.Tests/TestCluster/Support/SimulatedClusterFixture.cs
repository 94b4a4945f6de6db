using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.TestCluster.Simulator;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.TestCluster.Support;

/// <summary>
/// A bare GitOps repository holding ControlApi's render of the default settings, a test API server
/// and a cluster simulator converged to it — the seed cluster before a change.
/// </summary>
public sealed class SimulatedClusterFixture : IAsyncDisposable
{
    public static readonly ClusterProfile Goldentooth = new() { Id = "goldentooth" };

    private SimulatedClusterFixture(ApiServerFixture api, ClusterSimulator simulator, PlainGit git, string repository, string scratch)
    {
        Api = api;
        Simulator = simulator;
        Git = git;
        Repository = repository;
        Scratch = scratch;
    }

    public ApiServerFixture Api { get; }
    public ClusterSimulator Simulator { get; }
    public PlainGit Git { get; }
    public string Repository { get; }
    public string Scratch { get; }

    public static async Task<SimulatedClusterFixture> StartAsync(Func<ClusterSimulatorOptions, ClusterSimulatorOptions>? configure = null, CiliumSettings? initial = null)
    {
        var api = await ApiServerFixture.StartAsync();
        var scratch = Path.Combine(api.Directory, "git");
        Directory.CreateDirectory(scratch);
        var git = new PlainGit(Path.Combine(scratch, "home"));
        var repository = await git.InitBareAsync(Path.Combine(scratch, "gitops.git"));
        var work = Path.Combine(scratch, "initial");
        Directory.CreateDirectory(work);
        await git.RunAsync(work, "init", "--quiet", "--initial-branch=main");
        await WriteAsync(work, ManifestRenderer.Render(Goldentooth, initial ?? CiliumSettings.Defaults));
        await git.RunAsync(work, "add", "--all");
        await git.RunAsync(work, "commit", "--quiet", "-m", "Initial Cilium settings");
        await git.RunAsync(work, "push", "--quiet", repository, "HEAD:refs/heads/main");

        var options = new ClusterSimulatorOptions { RepositoryPath = repository };
        var simulator = await ClusterSimulator.StartAsync(api.Server, configure?.Invoke(options) ?? options);
        return new SimulatedClusterFixture(api, simulator, git, repository, scratch);
    }

    /// <summary>Commits ControlApi's render of <paramref name="settings"/> as a person pushing to the GitOps repository would; returns the SHA.</summary>
    public Task<string> CommitAsync(CiliumSettings settings, string message = "Change Cilium settings")
    {
        var rendered = ManifestRenderer.Render(Goldentooth, settings);
        var files = rendered.Files.Select(f => (f.Path, (string?)f.Content))
            .Concat(rendered.StalePaths.Where(p => File.Exists(Path.Combine(Repository, p))).Select(p => (p, (string?)null)))
            .ToArray();
        return Git.CommitAndPushAsync(Repository, "main", Scratch, message, files);
    }

    public static CiliumSettings WireguardOn => CiliumSettings.Defaults with
    {
        Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Wireguard, NodeEncryption = false },
    };

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await Api.DisposeAsync();
    }

    private static async Task WriteAsync(string directory, RenderedManifests rendered)
    {
        foreach (var file in rendered.Files)
        {
            var path = Path.Combine(directory, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, file.Content);
        }
    }
}
