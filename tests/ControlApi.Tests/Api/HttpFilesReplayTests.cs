using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using ControlApi.Security;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Api;

/// <summary>
/// The requests people copy from <c>http/*.http</c>, sent to the real service in file order, and each
/// answer checked against the OpenAPI document the same service serves: the status is one the operation
/// documents, and the body validates against that status's schema. A client generated from the
/// document would meet exactly these answers.
/// </summary>
public sealed class HttpFilesReplayTests : IDisposable
{
    /// <summary>
    /// Files in the order they are replayed: settings are changed before revisions, the status and the
    /// audit are read, so later requests find what earlier ones made. Every file of http/ is listed.
    /// </summary>
    private static readonly string[] Files =
    [
        "clusters.http", "cilium.http", "features.http", "revisions.http", "status.http", "hostfirewall.http", "audit.http",
        "adoption.http", "apikeys.http", "webhooks.http", "chatops.http", "governance.http", "health.http",
    ];

    /// <summary>
    /// Requests that are not API operations, so the document rightly leaves them out. They are still
    /// sent, and must succeed; nothing else is left unchecked. (The chat requests are replayed too: their
    /// placeholder signatures cannot be computed by a file, so their refusals are what is checked.)
    /// </summary>
    private static readonly Dictionary<string, string> NotOperations = new()
    {
        ["/hangfire"] = "the Hangfire dashboard, an HTML page for admins",
        ["/metrics"] = "Prometheus' text exposition for scrapers",
        ["/openapi/v1.json"] = "the document itself",
        ["/swagger/index.html"] = "Swagger UI, an HTML page",
    };

    private readonly ControlApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public void Every_request_file_is_replayed()
    {
        var present = Directory.GetFiles(RepositoryRoot.PathOf("http"), "*.http").Select(Path.GetFileName).Order();
        Assert.Equal(present, Files.Order());
    }

    [Fact]
    public async Task Every_request_of_the_http_files_is_answered_as_the_OpenAPI_document_says()
    {
        using var client = _factory.CreateClient();
        var contract = new OpenApiContract(await client.GetFromJsonNodeAsync("/openapi/v1.json") ?? throw new InvalidOperationException());
        var variables = new Dictionary<string, string>
        {
            ["host"] = "http://localhost",
            ["key"] = _factory.AdminKey!,
            ["adminKey"] = _factory.AdminKey!,
        };

        var failures = new List<string>();
        var checkedBodies = 0;
        var replayed = 0;
        foreach (var file in Files)
        {
            foreach (var request in HttpFile.Parse(RepositoryRoot.PathOf("http", file), variables))
            {
                replayed++;
                using var message = ToMessage(request);
                var path = message.RequestUri!.AbsolutePath;
                var streams = request.Headers.Any(h => h.Name == "Accept" && h.Value.Contains("text/event-stream", StringComparison.Ordinal));
                // An event stream never ends by itself: its status and headers are checked, then it is closed.
                using var cancel = new CancellationTokenSource();
                using var response = await client.SendAsync(message, streams ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancel.Token);

                if (NotOperations.ContainsKey(path))
                {
                    if (!response.IsSuccessStatusCode) failures.Add($"{request}: answered {(int)response.StatusCode}");
                    continue;
                }
                var errors = await contract.CheckAsync(request.Method, path, response, readBody: !streams);
                if (streams && response.Content.Headers.ContentType?.MediaType != "text/event-stream")
                    errors = [.. errors, $"answered {response.Content.Headers.ContentType} instead of text/event-stream"];
                await cancel.CancelAsync();
                if (errors.Count > 0) failures.Add($"{request} → {(int)response.StatusCode}:\n    {string.Join("\n    ", errors)}");
                else if (!streams && response.Content.Headers.ContentLength is not 0) checkedBodies++;
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} answer(s) depart from the OpenAPI document:\n  {string.Join("\n  ", failures)}");
        // Guards against a parser that silently finds nothing.
        Assert.True(replayed >= 60, $"only {replayed} requests were found in http/");
        Assert.True(checkedBodies >= 40, $"only {checkedBodies} bodies were validated");
    }

    [Fact]
    public void The_parser_reads_variables_titles_headers_and_bodies()
    {
        var requests = HttpFile.Parse(RepositoryRoot.PathOf("http", "cilium.http"), new Dictionary<string, string> { ["key"] = "k" });
        var patch = requests.Single(r => r.Title.StartsWith("Change one thing", StringComparison.Ordinal));
        Assert.Equal("PATCH", patch.Method);
        Assert.Equal("http://127.0.0.1:8080/api/v1/clusters/local/cilium", patch.Url);
        Assert.Contains(("Authorization", "Bearer k"), patch.Headers);
        Assert.Contains(("If-Match", "\"1\""), patch.Headers);
        Assert.Equal("""{ "hostFirewall": { "enabled": false } }""", patch.Body);
    }

    private static HttpRequestMessage ToMessage(HttpFileRequest request)
    {
        // A file waits as long as a person would (waitFor=Verified&timeout=10m); no test cluster gets there,
        // so the wait is cut short: the answer is then the timed-out 200, which the document must describe too.
        var url = Regex.Replace(request.Url, @"([?&]timeout=)[^&]+", "${1}2s");
        var message = new HttpRequestMessage(new HttpMethod(request.Method), url);
        if (request.Body is not null) message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (!message.Headers.TryAddWithoutValidation(name, value))
                throw new InvalidDataException($"{request}: header {name} cannot be sent.");
        }
        return message;
    }
}
