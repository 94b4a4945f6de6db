using System.Net.Http.Headers;

namespace ControlApi.Http;

/// <summary>Reads a request body with a hard size limit (413 beyond it) and checks its media type.</summary>
public static class RequestBody
{
    public sealed class TooLargeException(int limit) : Exception($"Body larger than {limit} bytes.")
    {
        public int Limit { get; } = limit;
    }

    public static async Task<byte[]> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) throw new TooLargeException(limit);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) throw new TooLargeException(limit);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>True when the request's media type is one of <paramref name="accepted"/> (parameters such as charset ignored).</summary>
    public static bool HasMediaType(HttpRequest request, params string[] accepted)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) || parsed.MediaType is null) return false;
        return accepted.Contains(parsed.MediaType, StringComparer.OrdinalIgnoreCase);
    }
}
