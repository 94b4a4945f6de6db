using System.Net;
using ControlApi.Security;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Hosting;

/// <summary>SQLite means one instance per data directory: a second one refuses to start instead of committing everything twice.</summary>
public sealed class SingleInstanceTests
{
    [Fact]
    public async Task A_second_instance_on_the_same_data_directory_refuses_to_start_naming_it()
    {
        using var first = new ControlApiFactory();
        var client = first.CreateClient(Role.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clusters")).StatusCode);

        using var second = new ControlApiFactory(new() { ["ControlApi:DataDirectoryLockTimeout"] = "00:00:00.300" }, dataDirectory: first.DataDirectory);
        var refused = Assert.ThrowsAny<Exception>(() => second.CreateClient());

        var message = string.Join(" | ", Flatten(refused).Select(e => e.Message));
        Assert.Contains("Another ControlApi process is using the data directory", message);
        Assert.Contains(first.DataDirectory, message);
        // The first one goes on serving.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clusters")).StatusCode);
    }

    [Fact]
    public async Task Once_the_first_instance_stopped_the_directory_can_be_used_again()
    {
        string directory;
        using (var first = new ControlApiFactory(dataDirectory: Directory.CreateTempSubdirectory("controlapi-test-").FullName))
        {
            directory = first.DataDirectory;
            Assert.Equal(HttpStatusCode.OK, (await first.CreateClient(Role.Viewer).GetAsync("/api/v1/clusters")).StatusCode);
        }

        using var restarted = new ControlApiFactory(dataDirectory: directory);
        Assert.Equal(HttpStatusCode.OK, (await restarted.CreateClient(Role.Viewer).GetAsync("/api/v1/clusters")).StatusCode);
        Directory.Delete(directory, recursive: true);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten)) yield return inner;
        }
    }
}
