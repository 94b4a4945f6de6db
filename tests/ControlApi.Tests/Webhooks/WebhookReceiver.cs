using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.Tests.Webhooks;

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel, a free port): records every request with its headers
/// and raw body, and answers each path with the status codes a test scripts (then 200).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]> _scripts = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public IReadOnlyList<ReceivedRequest> At(string path) => Received.Where(r => r.Path == path).ToList();

    public string Url(string path) => BaseUrl + path;

    /// <summary>The n-th request to <paramref name="path"/> is answered with <paramref name="statuses"/>[n], later ones with the last.</summary>
    public void Answer(string path, params int[] statuses) => _scripts[path] = statuses;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var path = context.Request.Path.Value ?? "/";
        var n = _counts.AddOrUpdate(path, 1, (_, count) => count + 1);
        var status = _scripts.TryGetValue(path, out var script) && script.Length > 0 ? script[Math.Min(n, script.Length) - 1] : 200;
        _received.Enqueue(new ReceivedRequest(
            path,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray(),
            status));
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";

    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}
