using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace ControlApi.Bench;

/// <summary>
/// Start-up and idle memory of the service as the image runs it: this build published the way the
/// <c>Dockerfile</c> publishes it (ReadyToRun for this machine's runtime identifier, framework-dependent)
/// and started with the <c>DOTNET_*</c> settings of the Dockerfile's <c>ENV</c>, N times, each with a
/// fresh data directory (a first start: migrations of an empty database, the embedded repository, the
/// admin key). Measured: process start → first 200 from <c>/readyz</c> (median, p90), CPU used by
/// then, and the resident set after the last start has settled (default 30 s, nothing to do).
/// <para>
/// <c>start [runs] [--before path/to/published/dir-or-ControlApi.dll] [--settle seconds]</c>: with
/// <c>--before</c> that build is started the same number of times, alternating with this one (a busy
/// machine slows both alike), with <c>DOTNET_gcServer=0</c> — what main's image set.
/// </para>
/// </summary>
public static partial class StartBenchmark
{
    private const double StartGoalMs = 1500;
    private const double RssGoalMb = 120;

    /// <summary>What main's image set before this work (its Dockerfile's ENV); the baseline runs with it.</summary>
    private static readonly IReadOnlyDictionary<string, string?> BaselineEnvironment = new Dictionary<string, string?> { ["DOTNET_gcServer"] = "0" };

    public static async Task RunAsync(string[] args)
    {
        var measures = await MeasureAsync(args);
        Console.WriteLine();
        BenchReport.Print(Console.Out, measures);
    }

    public static async Task<IReadOnlyList<BenchMeasure>> MeasureAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 5;
        var before = Option(args, "--before");
        var settle = TimeSpan.FromSeconds(Option(args, "--settle") is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : 30);

        var repository = RepositoryRoot();
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(repository, "Dockerfile"));
        var imageEnvironment = ImageEnvironment(dockerfile);
        var published = Directory.CreateTempSubdirectory("controlapi-start-publish-").FullName;
        var builds = new List<Build>();
        try
        {
            Console.WriteLine($"publishing this build as the image does (-r {RuntimeInformation.RuntimeIdentifier}) into {published} ...");
            await PublishAsync(repository, published);
            builds.Add(new("this build", Path.Combine(published, "ControlApi.dll"), imageEnvironment));
            if (before is not null)
            {
                var dll = Directory.Exists(before) ? Path.Combine(before, "ControlApi.dll") : before;
                builds.Insert(0, new Build("before", Path.GetFullPath(dll), BaselineEnvironment));
            }
            Console.WriteLine($"image environment: {string.Join(' ', imageEnvironment.Select(e => $"{e.Key}={e.Value}"))}");
            Console.WriteLine($"{runs} starts each, alternating, fresh data directory each, each build on its own copy of the runtime (as in its image); idle RSS after {settle.TotalSeconds:0} s");

            // Alternating, one at a time: two starts side by side would share the cores.
            for (var run = 0; run < runs; run++)
            {
                foreach (var build in builds)
                {
                    await using var service = await build.StartAsync();
                    build.Ready.Add(service.ReadyAfter.TotalMilliseconds);
                    build.Cpu.Add(service.CpuAtReady.TotalMilliseconds);
                    Console.WriteLine($"  {build.Name,-10} run {run + 1}: ready after {service.ReadyAfter.TotalMilliseconds:0} ms, CPU {service.CpuAtReady.TotalMilliseconds:0} ms");
                }
            }

            // Idle memory: one more start of each, side by side (memory does not depend on the other's
            // CPU), left alone to settle.
            var idle = new List<(Build Build, ServiceProcess Service)>();
            try
            {
                foreach (var build in builds) idle.Add((build, await build.StartAsync()));
                await Task.Delay(settle);
                foreach (var (build, service) in idle)
                {
                    build.RssMb = service.ResidentMegabytes();
                    Console.WriteLine($"  {build.Name,-10} idle: RSS {build.RssMb:0} MB (anonymous {service.StatusKilobytes("RssAnon") / 1024.0:0} MB, "
                        + $"file-backed {service.StatusKilobytes("RssFile") / 1024.0:0} MB, shared memory {service.StatusKilobytes("RssShmem") / 1024.0:0} MB), "
                        + $"{service.StatusKilobytes("Threads")} threads");
                    var unused = UnusedOnIdleSqlite(service.Process.Id);
                    Console.WriteLine($"  {"",-10} loaded though an idle SQLite start does not use them: {(unused.Count == 0 ? "none" : string.Join(", ", unused))}");
                }
            }
            finally
            {
                foreach (var (_, service) in idle) await service.DisposeAsync();
            }

            Console.WriteLine();
            foreach (var build in builds)
            {
                Console.WriteLine($"  {build.Name,-10} ready: median {Stats.Percentile(build.Ready, 0.5):0} ms, p90 {Stats.Percentile(build.Ready, 0.9):0} ms; "
                    + $"CPU to ready: median {Stats.Percentile(build.Cpu, 0.5):0} ms");
            }

            var current = builds[^1];
            var baseline = before is null ? null : builds[0];
            return
            [
                new BenchMeasure("cold start to /readyz (fresh data directory)", Stats.Percentile(current.Ready, 0.5), "ms", Better.Lower, StartGoalMs,
                    baseline is null ? null : Stats.Percentile(baseline.Ready, 0.5), baseline is null ? null : "--before"),
                new BenchMeasure("idle RSS after start", current.RssMb, "MB", Better.Lower, RssGoalMb,
                    baseline?.RssMb, baseline is null ? null : "--before"),
            ];
        }
        finally
        {
            Directory.Delete(published, recursive: true);
            foreach (var build in builds) build.Runtime.Dispose();
        }
    }

    private sealed record Build(string Name, string Dll, IReadOnlyDictionary<string, string?> Environment)
    {
        /// <summary>Its own runtime, as in its image (<see cref="PrivateRuntime"/>).</summary>
        public PrivateRuntime Runtime { get; } = PrivateRuntime.Copy();

        public Task<ServiceProcess> StartAsync() =>
            ServiceProcess.StartAsync(Dll, new Dictionary<string, string?>(Environment.Concat(Runtime.Environment)), host: Runtime.Host);

        public List<double> Ready { get; } = [];
        public List<double> Cpu { get; } = [];
        public double RssMb { get; set; }
    }

    /// <summary>As the Dockerfile's publish step (ReadyToRun comes with the runtime identifier, see ControlApi.csproj).</summary>
    private static async Task PublishAsync(string repository, string output)
    {
        var result = await Cli.Wrap("dotnet")
            .WithArguments(["publish", "src/ControlApi/ControlApi.csproj", "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
                "--self-contained", "false", "-o", output, "-nologo", "-v", "quiet"])
            .WithWorkingDirectory(repository)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
    }

    /// <summary>The runtime's settings the image sets: every <c>DOTNET_*</c> variable of the Dockerfile's <c>ENV</c> instructions.</summary>
    internal static IReadOnlyDictionary<string, string?> ImageEnvironment(string dockerfile)
    {
        var joined = dockerfile.Replace("\\\n", " ", StringComparison.Ordinal);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in joined.Split('\n'))
        {
            if (!line.TrimStart().StartsWith("ENV ", StringComparison.Ordinal)) continue;
            foreach (Match m in DotnetVariable().Matches(line)) environment[m.Groups[1].Value] = m.Groups[2].Value;
        }
        return environment;
    }

    [GeneratedRegex(@"\b(DOTNET_\w+)=(\S+)")]
    private static partial Regex DotnetVariable();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dockerfile")) && File.Exists(Path.Combine(dir.FullName, "ControlApi.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("The repository (Dockerfile, ControlApi.sln) was not found above the bench's directory.");
    }

    private static string? Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>
    /// Assemblies an idle SQLite start has no use for (README "Start-up and memory"): mapped, they
    /// cost resident pages and type data for nothing.
    /// </summary>
    private static List<string> UnusedOnIdleSqlite(int pid)
    {
        string[] unused = ["Npgsql", "Hangfire.PostgreSql", "OpenTelemetry.Exporter.OpenTelemetryProtocol", "Swashbuckle", "KubernetesClient", "YamlDotNet", "JsonSchema.Net"];
        try
        {
            return File.ReadLines($"/proc/{pid}/maps")
                .Select(line => Path.GetFileName(line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(5)?.Trim() ?? ""))
                .Where(name => name.EndsWith(".dll", StringComparison.Ordinal) && unused.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
                .Distinct()
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (IOException)
        {
            return ["(maps not readable)"];
        }
    }
}
