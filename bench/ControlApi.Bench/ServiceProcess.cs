using System.Diagnostics;
using System.Net.Sockets;

namespace ControlApi.Bench;

/// <summary>
/// One ControlApi process as an operator runs it: <c>dotnet ControlApi.dll</c>, Production, on a free
/// loopback port, with a fresh data directory of its own (so it starts as a first start does:
/// migrations, embedded repository, admin key). <see cref="StartAsync"/> returns once <c>/readyz</c>
/// answers 200; <see cref="DisposeAsync"/> kills it and deletes the data directory.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Queue<string> _lastLines = new();

    private ServiceProcess(Process process, string baseUrl, string dataDirectory)
    {
        Process = process;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
    }

    public Process Process { get; }

    public string BaseUrl { get; }

    public string DataDirectory { get; }

    /// <summary>From just before the process was started to the first 200 from <c>/readyz</c>.</summary>
    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>CPU time (user + system) the process had used when it was first ready.</summary>
    public TimeSpan CpuAtReady { get; private set; }

    /// <param name="dll">The service's <c>ControlApi.dll</c>.</param>
    /// <param name="environment">Variables on top of the defaults (e.g. the image's <c>DOTNET_*</c> settings); a null value removes one.</param>
    public static async Task<ServiceProcess> StartAsync(string dll, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var data = Directory.CreateTempSubdirectory("controlapi-bench-").FullName;
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["URLS"] = baseUrl,
                ["ControlApi__DataDirectory"] = data,
            },
        };
        // A first start as in production: no key from the environment, so the admin key is created and stored.
        start.Environment.Remove("CONTROLAPI_ADMIN_KEY");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        var service = new ServiceProcess(Process.Start(start)!, baseUrl, data);
        // Drained, or a full pipe would stall the service's logging; the last lines say why a start failed.
        service.Process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        service.Process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        service.Process.BeginOutputReadLine();
        service.Process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilReadyAsync(clock, timeout ?? TimeSpan.FromMinutes(2));
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

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
            // A git child still closing a file: the directory is a temp one, left to the OS.
        }
    }

    private async Task WaitUntilReadyAsync(Stopwatch clock, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            if (Process.HasExited)
                throw new InvalidOperationException($"The service exited with {Process.ExitCode} before it was ready:\n{LastLines()}");
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                {
                    ReadyAfter = clock.Elapsed;
                    Process.Refresh();
                    CpuAtReady = Process.TotalProcessorTime;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"The service was not ready within {timeout}:\n{LastLines()}");
            // Polled often: the poll's own granularity is part of what is measured.
            await Task.Delay(10);
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40) _lastLines.Dequeue();
        }
    }

    private string LastLines()
    {
        lock (_lastLines) return string.Join('\n', _lastLines);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
