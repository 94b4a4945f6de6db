using System.Net;
using ControlApi.Data;
using ControlApi.Tests.Support;
using ControlApi.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Webhooks;

/// <summary>Managing subscriptions: create, read, replace, delete; the secret goes in and never comes out.</summary>
public sealed class WebhooksApiTests : IDisposable
{
    private const string Secret = "write-only-signing-secret-9f2c";
    private readonly ControlApiFactory _service = new();
    private readonly HttpClient _client;

    public WebhooksApiTests() => _client = _service.CreateClient(Role.Admin);

    public void Dispose() => _service.Dispose();

    [Fact]
    public async Task A_webhook_is_created_listed_read_replaced_and_deleted_without_its_secret_ever_shown()
    {
        var created = await _client.PostAsync("/api/v1/webhooks", Json($$"""
            {"url":"https://hooks.example.test/controlapi?team=net","events":["git.committed","flux."],"secret":"{{Secret}}","description":"network team"}
            """));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadJsonAsync();
        var id = (long)body["id"]!;
        Assert.Equal($"/api/v1/webhooks/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(["git.committed", "flux."], body["events"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("network team", (string)body["description"]!);

        var read = await _client.GetStringAsync($"/api/v1/webhooks/{id}");
        var list = await _client.GetStringAsync("/api/v1/webhooks");
        foreach (var text in new[] { body.ToJsonString(), read, list })
        {
            Assert.DoesNotContain(Secret, text);
            Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains("hooks.example.test", list);

        await using (var scope = _service.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Webhooks.AsNoTracking().SingleAsync();
            Assert.DoesNotContain(Secret, stored.ProtectedSecret);
        }

        var replaced = await _client.PutAsync($"/api/v1/webhooks/{id}", Json("""{"url":"http://127.0.0.1:9/elsewhere","events":["*"]}"""));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var now = await (await _client.GetAsync($"/api/v1/webhooks/{id}")).ReadJsonAsync();
        Assert.Equal("http://127.0.0.1:9/elsewhere", (string)now["url"]!);
        Assert.Equal(["*"], now["events"]!.AsArray().Select(e => (string)e!));
        Assert.Null(now["description"]);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/v1/webhooks/{id}/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { """{"url":"ftp://example.test/x","events":["*"],"secret":"0123456789abcdef"}""", "/url" },
        { """{"url":"file:///etc/passwd","events":["*"],"secret":"0123456789abcdef"}""", "/url" },
        { """{"url":"https://user:pass@example.test/","events":["*"],"secret":"0123456789abcdef"}""", "/url" },
        { """{"url":"example.test/hook","events":["*"],"secret":"0123456789abcdef"}""", "/url" },
        { """{"events":["*"],"secret":"0123456789abcdef"}""", "/url" },
        { """{"url":"https://example.test/","events":[],"secret":"0123456789abcdef"}""", "/events" },
        { """{"url":"https://example.test/","secret":"0123456789abcdef"}""", "/events" },
        { """{"url":"https://example.test/","events":["git.committed","Flux*"],"secret":"0123456789abcdef"}""", "/events/1" },
        { """{"url":"https://example.test/","events":["*"]}""", "/secret" },
        { """{"url":"https://example.test/","events":["*"],"secret":"short"}""", "/secret" },
        { """{"url":"https://example.test/","events":["*"],"secret":"0123456789abcdef","colour":"blue"}""", "/colour" },
        { """{"url":"https://example.test/","events":"*","secret":"0123456789abcdef"}""", "/events" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task An_invalid_webhook_is_a_400_problem_naming_the_member(string json, string pointer)
    {
        var response = await _client.PostAsync("/api/v1/webhooks", Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal(pointer, (string)problem["pointer"]!);
        Assert.DoesNotContain("0123456789abcdef", problem.ToJsonString());
        Assert.Equal("[]", (await (await _client.GetAsync("/api/v1/webhooks")).ReadJsonAsync())["items"]!.ToJsonString());
    }

    [Fact]
    public async Task A_webhook_body_must_be_JSON()
    {
        var response = await _client.PostAsync("/api/v1/webhooks", new StringContent("url=https://example.test"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Replacing_an_unknown_webhook_is_a_404_problem()
    {
        var response = await _client.PutAsync("/api/v1/webhooks/42", Json("""{"url":"https://example.test/","events":["*"]}"""));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("urn:controlapi:problem:webhook-not-found", (string)(await response.ReadJsonAsync())["type"]!);
    }
}
