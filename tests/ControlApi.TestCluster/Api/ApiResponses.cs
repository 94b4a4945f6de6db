using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ControlApi.TestCluster.Api;

/// <summary>Writes JSON bodies the way the API server does (<c>application/json</c>, stored bytes as they are).</summary>
internal static class ApiResponses
{
    public const string JsonContentType = "application/json";

    public static async Task WriteObjectAsync(HttpContext context, StoredObject obj, int statusCode, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = JsonContentType;
        context.Response.ContentLength = obj.Json.Length;
        await context.Response.Body.WriteAsync(obj.Json, cancellationToken);
    }

    public static async Task WriteJsonAsync(HttpContext context, JsonNode body, int statusCode, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = JsonContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, cancellationToken);
    }

    public static Task WriteStatusAsync(HttpContext context, ApiStatus status, CancellationToken cancellationToken) =>
        WriteJsonAsync(context, status.ToJson(), status.Code, cancellationToken);
}
