using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CliWrap;
using ControlApi.GitOps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.Tests.GitOps.Support;

/// <summary>
/// A real smart-HTTP git server on 127.0.0.1: Kestrel in front of <c>git http-backend</c> run as a
/// CGI program, asking for <c>Authorization: Basic</c> with the token as password (401 otherwise),
/// the way hosted git services accept deploy tokens.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _projectRoot;
    private readonly string? _token;
    private readonly ConcurrentQueue<string> _requestTargets = new();
    private Func<Task>? _beforeNextReceivePack;
    private int _unauthorized;

    private GitHttpServer(WebApplication app, string projectRoot, string? token)
    {
        _app = app;
        _projectRoot = projectRoot;
        _token = token;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>Path and query of every request, to prove no secret travelled in a URL.</summary>
    public IReadOnlyList<string> RequestTargets => [.. _requestTargets];

    public int UnauthorizedRequests => Volatile.Read(ref _unauthorized);

    public string UrlOf(string repository) => $"{BaseUrl}/{repository}";

    /// <param name="token">Required token, or null for a server that lets anyone in.</param>
    public static async Task<GitHttpServer> StartAsync(string projectRoot, string? token)
    {
        Directory.CreateDirectory(projectRoot);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = projectRoot });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new GitHttpServer(app, projectRoot, token);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/');
        return server;
    }

    public async Task<string> CreateRepositoryAsync(BareRepository bareRepositories, string name)
    {
        var path = Path.Combine(_projectRoot, name);
        await bareRepositories.EnsureCreatedAsync(path, "main", GitTestBed.Author, CancellationToken.None);
        return path;
    }

    /// <summary>Runs <paramref name="action"/> once, when the next push starts (before refs are advertised to it).</summary>
    public void BeforeNextReceivePack(Func<Task> action) => Volatile.Write(ref _beforeNextReceivePack, action);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        _requestTargets.Enqueue(request.Path + request.QueryString);

        if (!IsAuthorized(request.Headers.Authorization.ToString()))
        {
            Interlocked.Increment(ref _unauthorized);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
            return;
        }

        if (request.Query["service"] == "git-receive-pack" && Interlocked.Exchange(ref _beforeNextReceivePack, null) is { } action)
        {
            await action();
        }

        await RunBackendAsync(context);
    }

    private bool IsAuthorized(string header)
    {
        if (_token is null) return true;
        const string prefix = "Basic ";
        if (!header.StartsWith(prefix, StringComparison.Ordinal)) return false;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[prefix.Length..]));
            var colon = decoded.IndexOf(':');
            return colon >= 0 && decoded[(colon + 1)..] == _token;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task RunBackendAsync(HttpContext context)
    {
        var request = context.Request;
        var environment = new Dictionary<string, string?>
        {
            ["GIT_PROJECT_ROOT"] = _projectRoot,
            ["GIT_HTTP_EXPORT_ALL"] = "1",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["HOME"] = _projectRoot,
            ["REQUEST_METHOD"] = request.Method,
            ["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            ["PATH_INFO"] = request.Path.Value,
            ["CONTENT_TYPE"] = request.ContentType ?? "",
            ["CONTENT_LENGTH"] = request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // http-backend only accepts pushes from an authenticated user.
            ["REMOTE_USER"] = "deploy",
            ["REMOTE_ADDR"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            ["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString(),
            ["GIT_PROTOCOL"] = request.Headers["Git-Protocol"].ToString(),
        };

        using var output = new MemoryStream();
        await Cli.Wrap("git")
            .WithArguments(["http-backend"])
            .WithEnvironmentVariables(environment)
            .WithStandardInputPipe(PipeSource.FromStream(request.Body))
            .WithStandardOutputPipe(PipeTarget.ToStream(output))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(context.RequestAborted);

        await WriteCgiResponseAsync(output.ToArray(), context.Response);
    }

    /// <summary>CGI output is header lines, a blank line, then the body; "Status:" carries the code.</summary>
    private static async Task WriteCgiResponseAsync(byte[] cgi, HttpResponse response)
    {
        var (headerEnd, bodyStart) = FindHeaderEnd(cgi);
        var headers = Encoding.ASCII.GetString(cgi, 0, headerEnd).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        response.StatusCode = StatusCodes.Status200OK;
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':');
            if (colon <= 0) continue;
            var name = header[..colon].Trim();
            var value = header[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                response.Headers.Append(name, value);
            }
        }

        await response.Body.WriteAsync(cgi.AsMemory(bodyStart));
    }

    private static (int HeaderEnd, int BodyStart) FindHeaderEnd(byte[] cgi)
    {
        for (var i = 0; i < cgi.Length - 1; i++)
        {
            if (cgi[i] == '\n' && cgi[i + 1] == '\n') return (i, i + 2);
            if (i + 3 < cgi.Length && cgi[i] == '\r' && cgi[i + 1] == '\n' && cgi[i + 2] == '\r' && cgi[i + 3] == '\n') return (i, i + 4);
        }

        return (cgi.Length, cgi.Length);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
