using System.Net;
using System.Net.Http.Json;
using ControlApi.Audit;
using ControlApi.Security;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Security.SecurityTestKit;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Security;

public sealed class ApiKeysTests : IDisposable
{
    private const string Keys = "/api/v1/apikeys";
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly ControlApiFactory _service = new();
    private readonly HttpClient _admin;

    public ApiKeysTests() => _admin = _service.CreateClient(Role.Admin);

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task An_admin_creates_a_key_that_is_shown_once_and_works_with_its_role()
    {
        var created = await _admin.PostAsJsonAsync(Keys, new { name = "ci-bot", role = "operator" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        var body = await created.ReadJsonAsync();
        var key = (string)body["key"]!;
        var id = (string)body["id"]!;
        Assert.Equal($"/api/v1/apikeys/{id}", created.Headers.Location?.OriginalString);
        Assert.Matches(@"\Acak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\z", key);
        Assert.StartsWith($"cak_{id}_", key);
        Assert.Equal("operator", (string)body["role"]!);

        var listed = await _admin.GetStringAsync(Keys);
        Assert.Contains("ci-bot", listed);
        Assert.DoesNotContain(key, listed);
        Assert.DoesNotContain(key.Split('_', 3)[2], listed);
        Assert.DoesNotContain("secret", listed, StringComparison.OrdinalIgnoreCase);

        using var ciBot = _service.CreateClient(key);
        Assert.Equal(HttpStatusCode.Accepted, (await ciBot.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ciBot.GetAsync(Keys)).StatusCode);
    }

    [Fact]
    public async Task A_revision_is_authored_by_the_name_of_the_key_that_made_it()
    {
        var key = await _service.CreateKeyAsync("alice-laptop", Role.Operator);
        using var alice = _service.CreateClient(key);

        var put = await alice.SendAsync(Request(HttpMethod.Put, Settings, Json("""{"hostFirewall":{"enabled":true}}"""), ("X-On-Behalf-Of", "alice")));

        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        var revision = await (await alice.GetAsync("/api/v1/clusters/local/revisions/1")).ReadJsonAsync();
        Assert.Equal("alice-laptop", (string)revision["author"]!);
        Assert.Equal("alice", (string)revision["onBehalfOf"]!);
        Assert.Equal("alice-laptop", (await _service.AuditEventsAsync(AuditKinds.ChangeAccepted)).Single().Actor);
    }

    [Fact]
    public async Task Writes_without_a_key_get_401_with_a_viewer_key_403_and_with_an_operator_key_202()
    {
        using var anonymous = _service.CreateClient();
        using var viewer = _service.CreateClient(Role.Viewer);
        using var @operator = _service.CreateClient(Role.Operator);

        var withoutKey = await anonymous.PutAsync(Settings, Json("""{"l7Proxy":false}"""));
        var asViewer = await viewer.PutAsync(Settings, Json("""{"l7Proxy":false}"""));
        var asOperator = await @operator.PutAsync(Settings, Json("""{"l7Proxy":false}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal("Bearer", withoutKey.Headers.WwwAuthenticate.Single().Scheme);
        var missing = await withoutKey.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:missing-key", (string)missing["type"]!);
        Assert.Contains("Authorization: Bearer <key>", (string)missing["detail"]!);

        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        var forbidden = await asViewer.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:insufficient-role", (string)forbidden["type"]!);
        Assert.Equal("operator", (string)forbidden["requiredRole"]!);
        Assert.Contains(_service.KeyNameFor(Role.Viewer), (string)forbidden["detail"]!);

        Assert.Equal(HttpStatusCode.Accepted, asOperator.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once_and_says_so()
    {
        var key = await _service.CreateKeyAsync("old-laptop", Role.Viewer);
        var id = key.Split('_')[1];
        using var old = _service.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/v1/clusters")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"{Keys}/{id}")).StatusCode);

        var refused = await old.GetAsync("/api/v1/clusters");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("urn:controlapi:problem:revoked-key", (string)problem["type"]!);
        Assert.Equal(id, (string)problem["keyId"]!);
        var listed = (await (await _admin.GetAsync(Keys)).ReadJsonAsync()).AsArray().Single(k => (string)k!["id"]! == id)!;
        Assert.NotNull((string?)listed["revokedAt"]);
        Assert.Equal(BootstrapAdminKey.KeyName, (string)listed["revokedBy"]!);
        Assert.NotNull((string?)listed["lastUsedAt"]);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"{Keys}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync($"{Keys}/0000000000000000")).StatusCode);

        var revokedEvents = await _service.AuditEventsAsync(AuditKinds.ApiKeyRevoked);
        Assert.Equal(id, (string)revokedEvents.Single().Details()["keyId"]!);
        Assert.Contains(await _service.AuditEventsAsync(AuditKinds.ApiKeyCreated), e => (string?)e.Details()["keyId"] == id);
    }

    [Theory]
    [InlineData("""{"name":"","role":"viewer"}""", "invalid-key-name")]
    [InlineData("""{"name":"has space","role":"viewer"}""", "invalid-key-name")]
    [InlineData("""{"name":"bootstrap-admin","role":"viewer"}""", "reserved-key-name")]
    [InlineData("""{"name":"bob","role":"root"}""", "invalid-role")]
    [InlineData("""{"name":"bob","role":"Admin"}""", "invalid-role")]
    public async Task A_key_needs_a_plain_name_and_a_known_role(string request, string problem)
    {
        var response = await _admin.PostAsync(Keys, Json(request));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:controlapi:problem:" + problem, (string)(await response.ReadJsonAsync())["type"]!);
    }

    [Fact]
    public async Task Two_active_keys_cannot_share_a_name_because_names_are_revision_authors()
    {
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync(Keys, new { name = "deploy", role = "viewer" })).StatusCode);

        var again = await _admin.PostAsJsonAsync(Keys, new { name = "deploy", role = "admin" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("urn:controlapi:problem:key-name-taken", (string)(await again.ReadJsonAsync())["type"]!);
    }

    [Fact]
    public async Task The_Hangfire_dashboard_is_for_admin_keys_by_bearer_header_or_the_browser_prompt()
    {
        using var anonymous = _service.CreateClient();

        var prompt = await anonymous.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Unauthorized, prompt.StatusCode);
        Assert.Contains(prompt.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        Assert.Equal(HttpStatusCode.Forbidden, (await _service.CreateClient(Role.Viewer).GetAsync("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _service.CreateClient(Role.Operator).GetAsync("/hangfire")).StatusCode);

        var asAdmin = await _admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Contains("Hangfire", await asAdmin.Content.ReadAsStringAsync());

        var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("anyone:" + _service.AdminKey));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(Get("/hangfire", basic))).StatusCode);
        // Basic is the dashboard's browser path only; the API takes bearer keys.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Get("/api/v1/clusters", basic))).StatusCode);
    }

    [Fact]
    public async Task Health_the_OpenAPI_document_and_Swagger_UI_need_no_key_and_the_document_declares_the_bearer_scheme()
    {
        using var anonymous = _service.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/swagger/index.html")).StatusCode);
        var document = await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var scheme = document["components"]!["securitySchemes"]!["bearer"]!;
        Assert.Equal("http", (string)scheme["type"]!);
        Assert.Equal("bearer", (string)scheme["scheme"]!);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                // Chat endpoints authenticate by the platform's signature or token, not by key.
                var isPublic = path is "/healthz" or "/readyz" || path.StartsWith("/api/v1/chatops/", StringComparison.Ordinal);
                var security = operation!["security"]?.AsArray();
                // Public: no requirement, or only the empty one (security: [{}] says "no key" explicitly).
                if (isPublic) Assert.True(security is null || security.All(r => r!.AsObject().Count == 0), $"{method} {path} should be public");
                else Assert.True(security?.Any(s => s!.AsObject().ContainsKey("bearer")) == true, $"{method} {path} does not declare the bearer scheme");
            }
        }
    }

    [Fact]
    public async Task Other_origins_get_no_CORS_permission()
    {
        using var anonymous = _service.CreateClient();
        var preflight = new HttpRequestMessage(HttpMethod.Options, Settings);
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        var viewer = Get(Settings, Bearer(_service.KeyFor(Role.Viewer)));
        viewer.Headers.Add("Origin", "https://evil.example");

        var answers = new[] { await anonymous.SendAsync(preflight), await anonymous.SendAsync(viewer) };

        Assert.All(answers, a => Assert.False(a.Headers.Contains("Access-Control-Allow-Origin")));
    }
}
