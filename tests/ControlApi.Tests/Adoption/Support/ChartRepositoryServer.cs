using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using ControlApi.Tests.TestCluster.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Adoption.Support;

/// <summary>
/// A Helm chart repository on loopback, as Flux's source-controller and ControlApi read one:
/// <c>index.yaml</c> naming <c>cilium-1.18.2.tgz</c>, an archive packed the way <c>helm package</c>
/// does (<c>cilium/Chart.yaml</c>, <c>cilium/values.yaml</c>, <c>cilium/values.schema.json</c>),
/// built from shared/reference at start.
/// </summary>
public sealed class ChartRepositoryServer : IAsyncDisposable
{
    public const string Version = "1.18.2";
    private readonly WebApplication _app;
    private int _archiveDownloads;

    private ChartRepositoryServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>How many times the chart archive was downloaded (ControlApi keeps it once it has it).</summary>
    public int ArchiveDownloads => Volatile.Read(ref _archiveDownloads);

    public static async Task<ChartRepositoryServer> StartAsync()
    {
        var archive = Pack();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ChartRepositoryServer(app);
        app.MapGet("/index.yaml", () => Results.Text(
            $"apiVersion: v1\nentries:\n  cilium:\n  - name: cilium\n    version: {Version}\n    urls:\n    - cilium-{Version}.tgz\n  - name: cilium\n    version: 1.17.0\n    urls:\n    - cilium-1.17.0.tgz\n",
            "application/x-yaml"));
        app.MapGet($"/cilium-{Version}.tgz", () =>
        {
            Interlocked.Increment(ref server._archiveDownloads);
            return Results.Bytes(archive, "application/gzip");
        });
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/";
        return server;
    }

    private static byte[] Pack()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var file in new[] { "Chart.yaml", "values.yaml", "values.schema.json" })
            {
                var bytes = File.ReadAllBytes(SchemaFields.ReferencePath("cilium", file));
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"cilium/{file}") { DataStream = new MemoryStream(bytes) });
            }
        }
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
