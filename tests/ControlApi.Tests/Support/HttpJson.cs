using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlApi.Tests.Support;

/// <summary>Small helpers that keep the tests reading like HTTP conversations.</summary>
public static class HttpJson
{
    public static StringContent Json(string json, string mediaType = "application/json") =>
        new(json, Encoding.UTF8, mediaType);

    public static StringContent MergePatch(string json) => Json(json, "application/merge-patch+json");

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("Empty JSON body.");
    }

    public static HttpRequestMessage Request(HttpMethod method, string url, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        foreach (var (name, value) in headers)
        {
            if (name == "If-Match") request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(value));
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    public static async Task<JsonNode?> GetFromJsonNodeAsync(this HttpClient client, string url) =>
        await (await client.GetAsync(url)).ReadJsonAsync();

    public static string Compact(this JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
