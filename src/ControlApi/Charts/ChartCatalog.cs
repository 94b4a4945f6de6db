using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using ControlApi.Configuration;
using ControlApi.Core.Charts;
using ControlApi.Core.Rendering.Yaml;
using Microsoft.Extensions.Options;

namespace ControlApi.Charts;

/// <summary>Where chart archives come from when the chart repository is not reachable (air-gapped installs).</summary>
public sealed class ChartOptions
{
    public const string SectionName = "ControlApi:Charts";

    /// <summary>
    /// A folder of chart archives (<c>cilium-1.18.2.tgz</c>, as <c>helm pull</c> saves them) or unpacked
    /// charts (<c>cilium-1.18.2/values.yaml</c>). Looked at before the repository.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>How long one download of the repository index or a chart may take.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Chart archives are a few hundred KiB; anything far larger is not a chart.</summary>
    public long MaxArchiveBytes { get; set; } = 16 * 1024 * 1024;
}

/// <summary>A chart, or why it could not be had.</summary>
public sealed record ChartLookup(ChartDefinition? Chart, string? Error);

/// <summary>
/// The chart versions ControlApi checks values against: loaded once per version from the configured
/// folder, the local cache under the data directory, or the cluster's Helm repository — the same
/// <c>index.yaml</c> and archive Flux's source-controller downloads — and kept in memory.
/// </summary>
public sealed class ChartCatalog(
    IHttpClientFactory httpClients,
    IOptions<ChartOptions> options,
    DataPaths paths,
    ILogger<ChartCatalog> logger)
{
    public const string HttpClientName = "charts";

    private readonly ConcurrentDictionary<string, Lazy<Task<ChartDefinition>>> _charts = new(StringComparer.Ordinal);

    public async Task<ChartLookup> GetAsync(string repositoryUrl, string name, string version, CancellationToken cancellationToken)
    {
        var key = $"{repositoryUrl.TrimEnd('/')}|{name}|{version}";
        var load = _charts.GetOrAdd(key, _ => new Lazy<Task<ChartDefinition>>(() => LoadAsync(repositoryUrl, name, version)));
        try
        {
            return new ChartLookup(await load.Value.WaitAsync(cancellationToken), null);
        }
        catch (Exception ex) when (ex is ChartUnavailableException or HttpRequestException or TaskCanceledException or IOException or InvalidDataException or YamlReader.YamlReadException)
        {
            // Not remembered: the repository may be back on the next call.
            _charts.TryRemove(new KeyValuePair<string, Lazy<Task<ChartDefinition>>>(key, load));
            if (cancellationToken.IsCancellationRequested) throw;
            logger.LogWarning("Chart {Name} {Version} from {Repository} is unavailable: {Reason}", name, version, repositoryUrl, ex.Message);
            return new ChartLookup(null, $"Chart {name} {version} could not be loaded from {repositoryUrl}: {ex.Message}");
        }
    }

    private async Task<ChartDefinition> LoadAsync(string repositoryUrl, string name, string version)
    {
        var fileName = $"{name}-{version}";
        if (options.Value.Directory is { Length: > 0 } directory)
        {
            var unpacked = Path.Combine(directory, fileName);
            if (File.Exists(Path.Combine(unpacked, "values.yaml")))
                return new ChartDefinition(name, version, ReadIfExists(Path.Combine(unpacked, "values.schema.json")), await File.ReadAllTextAsync(Path.Combine(unpacked, "values.yaml")));
            var archive = Path.Combine(directory, fileName + ".tgz");
            if (File.Exists(archive)) return await FromArchiveAsync(archive, name, version);
        }

        var cached = Path.Combine(paths.Root, "charts", fileName + ".tgz");
        if (File.Exists(cached)) return await FromArchiveAsync(cached, name, version);

        using var timeout = new CancellationTokenSource(options.Value.DownloadTimeout);
        var bytes = await DownloadAsync(repositoryUrl, name, version, timeout.Token);
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        var temporary = cached + ".partial";
        await File.WriteAllBytesAsync(temporary, bytes, timeout.Token);
        var chart = await FromArchiveAsync(temporary, name, version);
        File.Move(temporary, cached, overwrite: true); // only an archive that read back whole is kept
        logger.LogInformation("Chart {Name} {Version} downloaded from {Repository}", name, version, repositoryUrl);
        return chart;
    }

    private static string? ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    /// <summary>The Helm repository protocol: <c>index.yaml</c> lists each version's archive URL, absolute or relative to the repository.</summary>
    private async Task<byte[]> DownloadAsync(string repositoryUrl, string name, string version, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(repositoryUrl.TrimEnd('/') + "/", UriKind.Absolute, out var repository) || repository.Scheme is not ("http" or "https"))
            throw new ChartUnavailableException($"'{repositoryUrl}' is not an HTTP(S) Helm repository (OCI repositories are not read yet); put the chart archive into ControlApi:Charts:Directory.");

        var client = httpClients.CreateClient(HttpClientName);
        var indexText = await GetTextAsync(client, new Uri(repository, "index.yaml"), cancellationToken);
        var index = YamlReader.ReadDocuments(indexText).FirstOrDefault() as YamlMap;
        var entries = ((index?["entries"] as YamlMap)?[name] as YamlList)?.Items.OfType<YamlMap>() ?? [];
        var entry = entries.FirstOrDefault(e => e["version"] is YamlScalar v && v.Text.TrimStart('v') == version.TrimStart('v'))
            ?? throw new ChartUnavailableException($"the repository index lists no {name} {version}");
        var url = ((entry["urls"] as YamlList)?.Items.FirstOrDefault() as YamlScalar)?.Text
            ?? throw new ChartUnavailableException($"the repository index gives no URL for {name} {version}");

        using var response = await client.GetAsync(new Uri(repository, url), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > options.Value.MaxArchiveBytes)
            throw new ChartUnavailableException($"the archive is larger than {options.Value.MaxArchiveBytes} bytes");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > options.Value.MaxArchiveBytes)
                throw new ChartUnavailableException($"the archive is larger than {options.Value.MaxArchiveBytes} bytes");
        }
        return buffer.ToArray();
    }

    private async Task<string> GetTextAsync(HttpClient client, Uri uri, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(uri, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Reads <c>{chart}/values.yaml</c> and <c>{chart}/values.schema.json</c> from a <c>.tgz</c> as <c>helm package</c> writes it.</summary>
    private static async Task<ChartDefinition> FromArchiveAsync(string archive, string name, string version)
    {
        string? values = null, schema = null;
        await using var file = File.OpenRead(archive);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            if (entry.DataStream is null) continue;
            var entryName = entry.Name.Replace('\\', '/');
            if (entryName == $"{name}/values.yaml") values = await ReadAsync(entry.DataStream);
            else if (entryName == $"{name}/values.schema.json") schema = await ReadAsync(entry.DataStream);
        }
        return values is null
            ? throw new ChartUnavailableException($"the archive has no {name}/values.yaml")
            : new ChartDefinition(name, version, schema, values);
    }

    private static async Task<string> ReadAsync(Stream stream)
    {
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}

public sealed class ChartUnavailableException(string message) : Exception(message);
