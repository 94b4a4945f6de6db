using CliWrap;
using CliWrap.Buffered;

namespace ControlApi.Tests.GitOps.Support;

/// <summary>
/// git as another person would run it — independent of the client under test — to set up remotes,
/// play the other committer, and inspect what actually landed.
/// </summary>
public sealed class PlainGit(string home)
{
    public async Task<string> RunAsync(string directory, params string[] arguments)
    {
        Directory.CreateDirectory(home);
        var result = await Cli.Wrap("git")
            .WithArguments(arguments)
            .WithWorkingDirectory(directory)
            .WithEnvironmentVariables(new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["XDG_CONFIG_HOME"] = home,
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["GIT_TERMINAL_PROMPT"] = "0",
                ["LC_ALL"] = "C",
                ["GIT_AUTHOR_NAME"] = "Other Person",
                ["GIT_AUTHOR_EMAIL"] = "other@example.test",
                ["GIT_COMMITTER_NAME"] = "Other Person",
                ["GIT_COMMITTER_EMAIL"] = "other@example.test",
                ["GIT_DIR"] = null,
                ["GIT_WORK_TREE"] = null,
            })
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {result.StandardError}");
        }

        return result.StandardOutput;
    }

    /// <summary>A bare repository with no commits at all.</summary>
    public async Task<string> InitBareAsync(string path, string branch = "main")
    {
        Directory.CreateDirectory(path);
        await RunAsync(path, "init", "--quiet", "--bare", $"--initial-branch={branch}");
        return path;
    }

    /// <summary>Clones <paramref name="remote"/>, writes files, commits and pushes, like a colleague would.</summary>
    public async Task<string> CommitAndPushAsync(string remote, string branch, string scratch, string message, params (string Path, string? Content)[] files)
    {
        var clone = System.IO.Path.Combine(scratch, "clone-" + Guid.NewGuid().ToString("N"));
        await RunAsync(scratch, "clone", "--quiet", "--branch", branch, remote, clone);
        foreach (var (path, content) in files)
        {
            var full = System.IO.Path.Combine(clone, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        await RunAsync(clone, "add", "--all");
        await RunAsync(clone, "commit", "--quiet", "-m", message);
        await RunAsync(clone, "push", "--quiet", "origin", $"HEAD:refs/heads/{branch}");
        var sha = (await RunAsync(clone, "rev-parse", "HEAD")).Trim();
        Directory.Delete(clone, recursive: true);
        return sha;
    }

    public async Task<string?> ShowAsync(string bareRepository, string revision, string path)
    {
        var listed = await RunAsync(bareRepository, "ls-tree", revision, "--", path);
        return listed.Length == 0 ? null : await RunAsync(bareRepository, "show", $"{revision}:{path}");
    }

    public async Task<IReadOnlyList<string>> ListFilesAsync(string bareRepository, string revision) =>
        (await RunAsync(bareRepository, "ls-tree", "-r", "--name-only", revision)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public async Task<int> CountCommitsAsync(string bareRepository, string revision) =>
        int.Parse((await RunAsync(bareRepository, "rev-list", "--count", revision)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public async Task<string> HeadAsync(string bareRepository, string branch = "main") =>
        (await RunAsync(bareRepository, "rev-parse", $"refs/heads/{branch}")).Trim();
}
