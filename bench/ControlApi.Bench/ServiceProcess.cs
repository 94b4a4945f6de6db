using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ControlApi.Bench;

/// <summary>
/// The service as its own process, as deployed: <c>dotnet ControlApi.dll</c>, Production, a fresh
/// data directory (deleted on dispose), a free loopback port. Process-level benches (idle CPU, start,
/// RSS) measure it from outside; <see cref="ThisBuild"/> is the build next to the bench and
/// <see cref="Before"/> reads the <c>--before path/to/ControlApi.dll</c> option naming a baseline build.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private ServiceProcess(Process process, Uri baseAddress, string dataDirectory)
    {
        Process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
    }

    public Process Process { get; }
    public Uri BaseAddress { get; }
    public string DataDirectory { get; }

    /// <summary>From the process's start until <c>/readyz</c> first answered 200.</summary>
    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>CPU time (user + system) the process had used when it was first ready.</summary>
    public TimeSpan CpuAtReady { get; private set; }

    /// <summary>Lines the service wrote to stdout and stderr so far (its log).</summary>
    public long LogLines => Interlocked.Read(ref _logLines);
    private long _logLines;

    /// <summary>The ControlApi.dll built with this bench.</summary>
    public static string ThisBuild => Path.Combine(AppContext.BaseDirectory, "ControlApi.dll");

    /// <summary>The full path given after <c>--before</c>, or null without one.</summary>
    public static string? Before(string[] args) =>
        args.SkipWhile(a => a != "--before").Skip(1).FirstOrDefault() is { } dll ? Path.GetFullPath(dll) : null;

    /// <summary>
    /// Starts <paramref name="dll"/> and returns once it answers <c>/readyz</c> with 200 (throws if it
    /// exits or is not ready within <paramref name="readyTimeout"/>, default 60 s).
    /// </summary>
    /// <param name="environment">Variables on top of the defaults (e.g. the image's <c>DOTNET_*</c> settings); a null value removes one.</param>
    /// <param name="host">The <c>dotnet</c> host to run it with: the machine's, or a private runtime's (<see cref="PrivateRuntime"/>).</param>
    public static async Task<ServiceProcess> StartAsync(string dll, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? readyTimeout = null, string host = "dotnet")
    {
        var data = Directory.CreateTempSubdirectory("controlapi-bench-").FullName;
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo(host, [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["URLS"] = baseAddress.ToString().TrimEnd('/'),
                ["ControlApi__DataDirectory"] = data,
            },
        };
        // The first start stores an admin key in the data directory, as a fresh install does.
        start.Environment.Remove("CONTROLAPI_ADMIN_KEY");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"dotnet {dll} did not start.");
        var service = new ServiceProcess(process, baseAddress, data);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Interlocked.Increment(ref service._logLines); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Interlocked.Increment(ref service._logLines); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(120));
            service.ReadyAfter = clock.Elapsed;
            service.CpuAtReady = service.CpuTime();
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (Process.HasExited) throw new InvalidOperationException($"The service exited with {Process.ExitCode} before it was ready.");
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > timeout) throw new TimeoutException($"The service was not ready within {timeout}.");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>User + system CPU time the process has used so far, from <c>/proc/PID/stat</c>.</summary>
    public TimeSpan CpuTime()
    {
        // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
        // state is field 3, utime 14 and stime 15, in clock ticks (100 per second on Linux).
        var stat = File.ReadAllText($"/proc/{Process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>
    /// Voluntary + involuntary context switches of each live thread so far, by thread id (the kernel
    /// keeps them per thread, and a thread's are gone once it exits): see <see cref="SwitchesBetween"/>.
    /// </summary>
    public Dictionary<int, long> ContextSwitches()
    {
        var threads = new Dictionary<int, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{Process.Id}/task"))
        {
            try
            {
                long switches = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    if (line.StartsWith("voluntary_ctxt_switches:") || line.StartsWith("nonvoluntary_ctxt_switches:"))
                        switches += long.Parse(line[(line.IndexOf(':') + 1)..].Trim());
                threads[int.Parse(Path.GetFileName(task))] = switches;
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return threads;
    }

    /// <summary>Switches between two <see cref="ContextSwitches"/> readings: a thread started since counts from zero; one that ended is lost (a little low).</summary>
    public static long SwitchesBetween(Dictionary<int, long> before, Dictionary<int, long> after) =>
        after.Sum(thread => thread.Value - before.GetValueOrDefault(thread.Key));

    /// <summary>Resident set size in bytes (VmRSS of <c>/proc/PID/status</c>).</summary>
    public long ResidentBytes() => StatusKilobytes("VmRSS") * 1024;

    /// <summary>Resident set size now (<c>VmRSS</c>), in MB.</summary>
    public double ResidentMegabytes() => StatusKilobytes("VmRSS") / 1024.0;

    /// <summary>A field of <c>/proc/PID/status</c> given in kB (e.g. <c>VmRSS</c>, <c>RssAnon</c>, <c>RssFile</c>).</summary>
    public long StatusKilobytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still being released: the temp directory is left for the system to clean.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
