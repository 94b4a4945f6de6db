using ControlApi.GitOps;
using ControlApi.Tests.GitOps.Support;

namespace ControlApi.Tests.GitOps;

public sealed class BareRepositoryTests : IDisposable
{
    private readonly GitTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task The_embedded_remote_is_created_bare_with_an_initial_commit_on_the_branch()
    {
        var path = _bed.Temp.Combine("data", "gitops.git");

        var created = await _bed.BareRepositories.EnsureCreatedAsync(path, "trunk", GitTestBed.Author, CancellationToken.None);

        Assert.True(created);
        Assert.Equal("true", (await _bed.Git.RunAsync(path, "rev-parse", "--is-bare-repository")).Trim());
        Assert.Equal(1, await _bed.Git.CountCommitsAsync(path, "trunk"));
        Assert.Equal(["README.md"], await _bed.Git.ListFilesAsync(path, "trunk"));
        Assert.Equal("ControlApi <controlapi@example.test>", (await _bed.Git.RunAsync(path, "log", "-1", "--format=%an <%ae>", "trunk")).Trim());
        Assert.DoesNotContain(Directory.EnumerateDirectories(_bed.Temp.Combine("data")), d => d.Contains(".creating-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_existing_repository_is_left_as_it_is()
    {
        var path = _bed.Temp.Combine("data", "gitops.git");
        await _bed.BareRepositories.EnsureCreatedAsync(path, "main", GitTestBed.Author, CancellationToken.None);
        var head = await _bed.Git.HeadAsync(path);

        var createdAgain = await _bed.BareRepositories.EnsureCreatedAsync(path, "main", GitTestBed.Author, CancellationToken.None);

        Assert.False(createdAgain);
        Assert.Equal(head, await _bed.Git.HeadAsync(path));
    }

    [Fact]
    public async Task A_folder_with_other_content_is_refused_not_overwritten()
    {
        var path = Directory.CreateDirectory(_bed.Temp.Combine("data", "gitops.git")).FullName;
        await File.WriteAllTextAsync(Path.Combine(path, "notes.txt"), "mine");

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _bed.BareRepositories.EnsureCreatedAsync(path, "main", GitTestBed.Author, CancellationToken.None));

        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(path, "notes.txt")));
    }
}
