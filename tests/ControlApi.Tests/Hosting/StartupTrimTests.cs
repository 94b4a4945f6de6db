using System.Text.Json;
using ControlApi.Hosting;
using ControlApi.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ControlApi.Tests.Hosting;

/// <summary>
/// What the service gives back once its start has settled: start-up's garbage (a full collection)
/// and the read-only library pages only the start touched. Both must leave the process working.
/// </summary>
public sealed class StartupTrimTests
{
    [Theory]
    [InlineData("7f3a00000000-7f3a00010000 r-xp 00001000 08:01 1234 /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll", true)]
    [InlineData("7f3a00000000-7f3a00010000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6", true)]
    [InlineData("7f3a00000000-7f3a00010000 rw-p 00001000 08:01 1234 /app/ControlApi.dll", false)]
    [InlineData("7f3a00000000-7f3a00010000 rw-s 00000000 00:01 99 /memfd:doublemapper (deleted)", false)]
    [InlineData("7f3a00000000-7f3a00010000 r-xs 00000000 00:01 99 /memfd:doublemapper (deleted)", false)]
    [InlineData("7f3a00000000-7f3a00010000 rw-p 00000000 00:00 0 ", false)]
    [InlineData("7ffd00000000-7ffd00010000 r--p 00000000 00:00 0 [vvar]", false)]
    [InlineData("7f3a00000000-7f3a00010000 r--p 00000000 08:01 1234 /data/controlapi.db", false)]
    public void Only_read_only_mappings_of_libraries_are_given_back(string line, bool given)
    {
        var mapping = StartupPages.ReadOnlyLibraryMapping(line);
        Assert.Equal(given, mapping is not null);
        if (given) Assert.Equal((nuint)0x10000, mapping!.Value.Length);
    }

    [Fact]
    public void Giving_the_pages_back_leaves_the_process_working()
    {
        var released = StartupPages.Release();
        if (OperatingSystem.IsLinux()) Assert.True(released.Mappings > 0, "no library mapping was given back");
        // Code and metadata come back from the files on their next use.
        var again = JsonSerializer.Deserialize<Dictionary<string, int>>(JsonSerializer.Serialize(new Dictionary<string, int> { ["a"] = 1 }));
        Assert.Equal(1, again!["a"]);
    }

    [Fact]
    public async Task A_full_collection_runs_once_the_service_has_started_and_the_delay_passed()
    {
        var time = new FakeTimeProvider();
        var lifetime = new Lifetime();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [StartupTrim.ReleaseStartupPagesKey] = "false" }).Build();
        using var trim = new StartupTrim(lifetime, time, configuration, NullLogger<StartupTrim>.Instance);
        await trim.StartAsync(CancellationToken.None);
        var collections = GC.CollectionCount(GC.MaxGeneration);

        // Not started: however much time passes, nothing is collected yet.
        time.Advance(StartupTrim.Delay * 10);
        Assert.False(trim.ExecuteTask!.IsCompleted);

        lifetime.Start();
        // The delay's timer is set on another thread once ApplicationStarted fires; move the clock until it has passed.
        await Eventually.WaitAsync(() =>
        {
            time.Advance(StartupTrim.Delay);
            return Task.FromResult<bool?>(trim.ExecuteTask!.IsCompleted);
        }, done => done == true, what: "the trim after the start");
        await trim.ExecuteTask!;
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > collections);
        await trim.StopAsync(CancellationToken.None);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _started = new();
        public CancellationToken ApplicationStarted => _started.Token;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void Start() => _started.Cancel();
        public void StopApplication() { }
    }
}
