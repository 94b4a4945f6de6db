using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.Tests.Chatops.Support;

/// <summary>Plays Slack's response_url endpoint on 127.0.0.1: Kestrel keeps every JSON body posted to it.</summary>
public sealed class ResponseUrlReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<JsonNode> _posts = Channel.CreateUnbounded<JsonNode>();

    private ResponseUrlReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>A response_url in Slack's shape, on this receiver.</summary>
    public string ResponseUrl => $"{BaseUrl}/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN";

    public int Received => _posts.Reader.Count;

    public static async Task<ResponseUrlReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new ResponseUrlReceiver(app);
        app.MapPost("/commands/{**rest}", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            await receiver._posts.Writer.WriteAsync(body!);
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return receiver;
    }

    /// <summary>The next post, waiting up to <paramref name="timeout"/> for it.</summary>
    public async Task<JsonNode> NextAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(45));
        return await _posts.Reader.ReadAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
