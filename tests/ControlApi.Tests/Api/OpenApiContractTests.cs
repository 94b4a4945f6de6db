using System.Text.Json.Nodes;
using System.Net;
using System.Text;
using ControlApi.Core.Features;
using ControlApi.Security;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Api;

public sealed class OpenApiContractTests : IDisposable
{
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public OpenApiContractTests() => _client = _factory.CreateClient();

    public void Dispose() => _factory.Dispose();

    private async Task<JsonNode> DocumentAsync() => await (await _client.GetAsync("/openapi/v1.json")).ReadJsonAsync();

    [Theory]
    [InlineData("/api/v1/clusters/{cluster}/cilium", "put")]
    [InlineData("/api/v1/clusters/{cluster}/cilium", "patch")]
    [InlineData("/api/v1/clusters/{cluster}/features/{feature}", "put")]
    public async Task Change_operations_document_the_four_change_headers_and_the_ETag_and_Location_answers(string path, string method)
    {
        var operation = (await DocumentAsync())["paths"]![path]![method]!;
        var headers = operation["parameters"]!.AsArray()
            .Where(p => (string?)p!["in"] == "header").Select(p => (string)p!["name"]!).ToList();
        foreach (var name in new[] { "If-Match", "Idempotency-Key", "X-Change-Reason", "X-On-Behalf-Of" })
            Assert.Contains(name, headers);
        var accepted = operation["responses"]!["202"]!["headers"]!.AsObject();
        Assert.True(accepted.ContainsKey("ETag"));
        Assert.True(accepted.ContainsKey("Location"));
    }

    [Fact]
    public async Task The_feature_path_parameter_lists_every_feature_as_an_enum()
    {
        var operation = (await DocumentAsync())["paths"]!["/api/v1/clusters/{cluster}/features/{feature}"]!["put"]!;
        var feature = operation["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "feature")!;
        var names = feature["schema"]!["enum"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal(FeatureCatalog.All.Select(f => f.Name), names);
    }

    [Theory]
    [InlineData("PUT", "application/json")]
    [InlineData("PATCH", "application/merge-patch+json")]
    public async Task A_wrong_content_type_is_a_problem_naming_the_content_type_to_send(string method, string expected)
    {
        using var admin = _factory.CreateClient(Role.Admin);
        var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/api/v1/clusters/local/cilium")
        {
            Content = new StringContent("{}", Encoding.UTF8, "text/plain"),
        });

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:unsupported-media-type", (string)problem["type"]!);
        Assert.Contains(expected, (string)problem["detail"]!);
    }

    /// <summary>Writes the document where CI lints it (OPENAPI_DOCUMENT_PATH); a no-op otherwise.</summary>
    [Fact]
    public async Task The_document_is_written_for_the_linter_when_asked()
    {
        var json = await _client.GetStringAsync("/openapi/v1.json");
        Assert.NotNull(JsonNode.Parse(json)!["paths"]);
        if (Environment.GetEnvironmentVariable("OPENAPI_DOCUMENT_PATH") is { Length: > 0 } path)
            await File.WriteAllTextAsync(path, json);
    }

    [Fact]
    public async Task Problems_document_errors_with_code_pointer_and_message()
    {
        var document = await DocumentAsync();
        var put = document["paths"]!["/api/v1/clusters/{cluster}/cilium"]!["put"]!;
        Assert.Equal("#/components/schemas/ProblemDetails", (string)put["responses"]!["422"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!);
        var problem = document["components"]!["schemas"]!["ProblemDetails"]!;
        Assert.Equal("#/components/schemas/ProblemIssue", (string)problem["properties"]!["errors"]!["items"]!["$ref"]!);
        var issue = document["components"]!["schemas"]!["ProblemIssue"]!["properties"]!.AsObject();
        foreach (var member in new[] { "code", "pointer", "message" }) Assert.True(issue.ContainsKey(member), member);
    }

    [Fact]
    public async Task The_PATCH_body_is_a_merge_patch_of_the_settings_schema()
    {
        var document = await DocumentAsync();
        var patch = document["paths"]!["/api/v1/clusters/{cluster}/cilium"]!["patch"]!;
        var reference = (string)patch["requestBody"]!["content"]!["application/merge-patch+json"]!["schema"]!["$ref"]!;
        var schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        var settings = document["components"]!["schemas"]!["CiliumSettings"]!["properties"]!.AsObject();
        Assert.Equal(settings.Select(p => p.Key), schema["properties"]!.AsObject().Select(p => p.Key));
    }

    [Theory]
    [InlineData("/api/v1/clusters/{cluster}/cilium", "put", "application/json")]
    [InlineData("/api/v1/clusters/{cluster}/cilium", "patch", "application/merge-patch+json")]
    [InlineData("/api/v1/clusters/{cluster}/features/{feature}", "put", "application/json")]
    public async Task Change_bodies_carry_an_example(string path, string method, string mediaType)
    {
        var media = (await DocumentAsync())["paths"]![path]![method]!["requestBody"]!["content"]![mediaType]!;
        Assert.NotEmpty(media["example"]!.AsObject());
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(o => o.Key is "get" or "put" or "post" or "patch" or "delete")
            .Select(o => (path.Key, o.Key, o.Value!.AsObject())));

    [Fact]
    public async Task Every_operation_has_a_summary_and_a_description_of_its_own()
    {
        var missing = new List<string>();
        foreach (var (path, method, operation) in Operations(await DocumentAsync()))
        {
            if (string.IsNullOrWhiteSpace((string?)operation["summary"])) missing.Add($"{method} {path}: summary");
            // The security transformer adds "Needs an API key with role …"; that alone does not describe the operation.
            var description = (string?)operation["description"] ?? "";
            if (description.Trim().Length == 0 || description.TrimStart().StartsWith("Needs an API key", StringComparison.Ordinal))
                missing.Add($"{method} {path}: description");
        }
        Assert.True(missing.Count == 0, "Undocumented: " + string.Join("; ", missing));
    }

    [Fact]
    public async Task Every_refusal_is_documented_with_the_problem_schema()
    {
        var bare = new List<string>();
        foreach (var (path, method, operation) in Operations(await DocumentAsync()))
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (int.Parse(status, System.Globalization.CultureInfo.InvariantCulture) < 400 || path is "/readyz") continue;
                if ((string?)response!["content"]?["application/problem+json"]?["schema"]?["$ref"] != "#/components/schemas/ProblemDetails")
                    bare.Add($"{method} {path} {status}");
            }
        Assert.True(bare.Count == 0, "Refusals without the problem schema: " + string.Join("; ", bare));
    }

    [Fact]
    public async Task Keyed_operations_document_401_403_and_429_with_Retry_After()
    {
        foreach (var (path, method, operation) in Operations(await DocumentAsync()))
        {
            // Anonymous operations carry no requirement or only the empty one (security: [{}]).
            if (operation["security"]?.AsArray().Any(r => r!.AsObject().Count > 0) != true) continue;
            var responses = operation["responses"]!.AsObject();
            foreach (var status in new[] { "401", "403", "429" }) Assert.True(responses.ContainsKey(status), $"{method} {path} misses {status}");
            Assert.NotNull(responses["429"]!["headers"]?["Retry-After"]);
        }
    }

    [Theory]
    [InlineData("/api/v1/clusters/{cluster}/cilium", "get", "200", "ETag")]
    [InlineData("/api/v1/clusters/{cluster}/revisions/{number}", "get", "200", "ETag")]
    [InlineData("/api/v1/clusters/{cluster}/revisions/{number}", "get", "304", "ETag")]
    [InlineData("/api/v1/clusters/{cluster}/revisions/{number}", "get", "200", "X-Wait-Timed-Out")]
    [InlineData("/api/v1/clusters/{cluster}/revisions/{number}/rollback", "post", "202", "Location")]
    [InlineData("/api/v1/clusters/{cluster}/revisions/{number}/rollback", "post", "202", "ETag")]
    [InlineData("/api/v1/clusters/{cluster}/adopt", "post", "201", "Location")]
    [InlineData("/api/v1/clusters/{cluster}/adopt", "post", "503", "Retry-After")]
    [InlineData("/api/v1/clusters/{cluster}/reconcile", "post", "202", "Location")]
    [InlineData("/api/v1/apikeys", "post", "201", "Location")]
    [InlineData("/api/v1/webhooks", "post", "201", "Location")]
    [InlineData("/api/v1/events", "get", "429", "Retry-After")]
    public async Task Response_headers_the_service_sends_are_documented(string path, string method, string status, string header)
    {
        var response = (await DocumentAsync())["paths"]![path]![method]!["responses"]![status]!;
        Assert.NotNull(response["headers"]?[header]);
    }

    [Fact]
    public async Task Revision_states_are_a_string_enum_and_waitFor_takes_the_states_a_wait_can_reach()
    {
        var document = await DocumentAsync();
        var state = document["components"]!["schemas"]!["RevisionState"]!;
        Assert.Equal("string", (string)state["type"]!);
        Assert.Equal(Enum.GetNames<ControlApi.Core.Revisions.RevisionState>(), state["enum"]!.AsArray().Select(v => (string)v!));

        var waitFor = document["paths"]!["/api/v1/clusters/{cluster}/revisions/{number}"]!["get"]!["parameters"]!.AsArray()
            .Single(p => (string?)p!["name"] == "waitFor")!;
        Assert.Equal(ControlApi.Core.Revisions.RevisionWait.SuccessPath.Select(s => s.ToString()), waitFor["schema"]!["enum"]!.AsArray().Select(v => (string)v!));
    }

    /// <summary>The settings' nullable enum (routing.tunnelProtocol: null means "Cilium's default") as the JSON really is.</summary>
    [Fact]
    public async Task A_nullable_enum_member_is_null_or_the_enum_and_the_enum_itself_lists_only_names()
    {
        var document = await DocumentAsync();
        var contract = new OpenApiContract(document);
        var routing = new JsonObject { ["$ref"] = "#/components/schemas/RoutingSettings" };
        Assert.Empty(contract.Validate(routing, """{"mode":"tunnel","tunnelProtocol":null}"""));
        Assert.Empty(contract.Validate(routing, """{"mode":"tunnel","tunnelProtocol":"geneve"}"""));
        Assert.NotEmpty(contract.Validate(routing, """{"mode":"tunnel","tunnelProtocol":"gre"}"""));
        var protocol = document["components"]!["schemas"]!["TunnelProtocol"]!;
        Assert.Equal("string", (string)protocol["type"]!);
        Assert.DoesNotContain(protocol["enum"]!.AsArray(), v => v is null);
    }

    [Theory]
    [InlineData("text/plain", "hello", HttpStatusCode.UnsupportedMediaType, "send application/json")]
    [InlineData("application/json", "{ not json", HttpStatusCode.BadRequest, "/openapi/v1.json")]
    [InlineData("application/json", """{ "name": 7, "role": "viewer" }""", HttpStatusCode.BadRequest, "strings quoted")]
    public async Task A_body_the_framework_cannot_read_is_a_documented_problem_that_says_what_to_send(string contentType, string body, HttpStatusCode status, string advice)
    {
        using var admin = _factory.CreateClient(Role.Admin);
        var response = await admin.PostAsync("/api/v1/apikeys", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(advice, (string)(await response.ReadJsonAsync())["detail"]!);
        Assert.Empty(await new OpenApiContract(await DocumentAsync()).CheckAsync("POST", "/api/v1/apikeys", response));
    }
}
