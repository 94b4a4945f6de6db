using System.Diagnostics;
using System.Net;
using ControlApi.Hosting;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ControlApi.Tests.Hosting;

/// <summary>
/// The address the service listens on is the one the user chose the standard ASP.NET Core way;
/// only an unconfigured start gets http://127.0.0.1:8080.
/// </summary>
public sealed class ListenAddressTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddJsonFile(RepositoryRoot.PathOf("appsettings.json"), optional: false)
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    [Fact]
    public void With_only_the_shipped_appsettings_the_service_listens_on_loopback_8080()
    {
        Assert.Equal("http://127.0.0.1:8080", ListenAddress.DefaultUnlessChosen(Configuration()));
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:9000")]          // ASPNETCORE_URLS, URLS, DOTNET_URLS, --urls, Urls in a file
    [InlineData("http_ports", "9000")]                   // ASPNETCORE_HTTP_PORTS (container images)
    [InlineData("https_ports", "9443")]                  // ASPNETCORE_HTTPS_PORTS
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:9000")]
    public void Any_standard_way_of_choosing_the_address_replaces_the_default(string key, string value)
    {
        Assert.Null(ListenAddress.DefaultUnlessChosen(Configuration((key, value))));
    }

    [Theory]
    [InlineData("ASPNETCORE_URLS", true)]
    [InlineData("ASPNETCORE_HTTP_PORTS", false)]
    public async Task The_built_service_answers_on_the_address_an_environment_variable_chose(string variable, bool fullUrl)
    {
        var port = FreePorts.Next();
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            [variable] = fullUrl ? $"http://127.0.0.1:{port}" : port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        await service.WaitUntilHealthyAsync(port);
    }

    [Fact]
    public async Task The_built_service_answers_on_the_address_given_with_urls_on_the_command_line()
    {
        var port = FreePorts.Next();
        await using var service = ServiceProcess.Start(new Dictionary<string, string>(), "--urls", $"http://127.0.0.1:{port}");

        await service.WaitUntilHealthyAsync(port);
    }


    /// <summary>The compiled ControlApi.dll in its own process, with its own data directory; killed on dispose.</summary>
    private sealed class ServiceProcess : IAsyncDisposable
    {
        private static readonly string[] AddressVariables =
            ["ASPNETCORE_URLS", "URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS"];

        private readonly Process _process;
        private readonly string _data;
        private readonly List<string> _output = [];

        private ServiceProcess(Process process, string data)
        {
            _process = process;
            _data = data;
        }

        public static ServiceProcess Start(IDictionary<string, string> environment, params string[] args)
        {
            var data = Directory.CreateTempSubdirectory("controlapi-address-").FullName;
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll"), .. args])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // Only what the test chooses may choose the address, not the test runner's environment.
            foreach (var name in AddressVariables) start.Environment.Remove(name);
            start.Environment["ControlApi__DataDirectory"] = data;
            start.Environment["CONTROLAPI_ADMIN_KEY"] = "address-test-" + Guid.NewGuid().ToString("N");
            foreach (var (name, value) in environment) start.Environment[name] = value;

            var service = new ServiceProcess(Process.Start(start)!, data);
            service._process.OutputDataReceived += (_, e) => service.Record(e.Data);
            service._process.ErrorDataReceived += (_, e) => service.Record(e.Data);
            service._process.BeginOutputReadLine();
            service._process.BeginErrorReadLine();
            return service;
        }

        private void Record(string? line)
        {
            if (line is null) return;
            lock (_output) _output.Add(line);
        }

        /// <summary>Waits, with a deadline, until <c>/healthz</c> answers 200 on 127.0.0.1:<paramref name="port"/>.</summary>
        public async Task WaitUntilHealthyAsync(int port)
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                try
                {
                    if ((await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
                }
                catch (HttpRequestException)
                {
                    // Not listening there (yet).
                }
                catch (TaskCanceledException)
                {
                    // A connection that hangs counts as not answering yet.
                }
                await Task.Delay(100);
            }
            string output;
            lock (_output) output = string.Join("\n", _output.TakeLast(40));
            Assert.Fail($"The service did not answer /healthz on 127.0.0.1:{port} (exited: {_process.HasExited}). Its output:\n{output}");
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(deadline.Token);
            }
            finally
            {
                _process.Dispose();
                Directory.Delete(_data, recursive: true);
            }
        }
    }
}
