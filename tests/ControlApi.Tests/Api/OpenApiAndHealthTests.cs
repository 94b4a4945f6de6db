using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Api;

public sealed class OpenApiAndHealthTests : IDisposable
{
    private readonly ControlApiFactory _factory = new();
    private readonly HttpClient _client;

    public OpenApiAndHealthTests() => _client = _factory.CreateClient();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task The_OpenAPI_document_lists_every_mapped_route_with_its_methods()
    {
        var document = await (await _client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var paths = document["paths"]!.AsObject();

        var endpoints = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/openapi", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var path = "/" + endpoint.RoutePattern.RawText!.Trim('/').Replace(":int", "", StringComparison.Ordinal);
            Assert.True(paths.ContainsKey(path), $"OpenAPI misses {path}");
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods)
                Assert.True(paths[path]!.AsObject().ContainsKey(method.ToLowerInvariant()), $"OpenAPI misses {method} {path}");
        }
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_bodies_and_problem_answers()
    {
        var document = await (await _client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var put = document["paths"]!["/api/v1/clusters/{cluster}/cilium"]!["put"]!;

        Assert.NotNull(put["requestBody"]!["content"]!["application/json"]);
        foreach (var status in new[] { "202", "400", "404", "412", "413", "422" })
            Assert.True(put["responses"]!.AsObject().ContainsKey(status), $"PUT misses response {status}");
        Assert.NotNull(put["responses"]!["422"]!["content"]!["application/problem+json"]);
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.True(schemas.ContainsKey("CiliumSettings"));
    }

    [Fact]
    public async Task Swagger_UI_is_served_and_points_at_the_document()
    {
        var page = await _client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync());

        var init = await _client.GetStringAsync("/swagger/index.js");
        Assert.Contains("/openapi/v1.json", init);
    }

    [Fact]
    public async Task Health_and_readiness_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
        var ready = await _client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", (string)(await ready.ReadJsonAsync())["status"]!);
    }
}
