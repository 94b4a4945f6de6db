using System.Text;
using System.Text.RegularExpressions;

namespace ControlApi.Tests.Support;

/// <summary>One request of an <c>http/*.http</c> file, its variables already substituted.</summary>
public sealed record HttpFileRequest(
    string File, int Line, string Title, string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body)
{
    public override string ToString() => $"{File}:{Line} {Method} {Url} ({Title})";
}

/// <summary>
/// Reads the request files the README points people at, the way the VS Code REST Client, JetBrains'
/// HTTP client and httpyac read them: <c>@name = value</c> variables, <c>###</c> between requests (the
/// rest of that line is the title), a method-and-URL line, header lines, a blank line, the body;
/// <c>#</c> and <c>//</c> lines before the request line are comments; <c>{{name}}</c> is replaced.
/// </summary>
public static partial class HttpFile
{
    [GeneratedRegex(@"^@(?<name>[A-Za-z_][\w-]*)\s*=\s*(?<value>.*)$")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^(?<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(?<url>\S+)(\s+HTTP/[\d.]+)?\s*$")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9-]+):\s*(?<value>.*)$")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"\{\{\s*(?<name>[\w-]+)\s*\}\}")]
    private static partial Regex Reference();

    /// <param name="overrides">Values that replace the file's own (e.g. the key and host of the service under test).</param>
    public static IReadOnlyList<HttpFileRequest> Parse(string path, IReadOnlyDictionary<string, string> overrides)
    {
        var name = Path.GetFileName(path);
        var lines = File.ReadAllLines(path);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<HttpFileRequest>();

        // Variables may be declared anywhere outside a body; collect them first, as the clients do.
        foreach (var line in lines)
            if (Variable().Match(line.Trim()) is { Success: true } variable)
                variables[variable.Groups["name"].Value] = variable.Groups["value"].Value.Trim();
        foreach (var (key, value) in overrides) variables[key] = value;

        string Substitute(string text, int lineNumber) => Reference().Replace(text, m =>
            variables.TryGetValue(m.Groups["name"].Value, out var value)
                ? value
                : throw new InvalidDataException($"{name}:{lineNumber}: {{{{{m.Groups["name"].Value}}}}} is not declared."));

        var index = 0;
        while (index < lines.Length)
        {
            if (!lines[index].StartsWith("###", StringComparison.Ordinal)) { index++; continue; }
            var title = lines[index][3..].Trim();
            index++;

            // Comments and variables until the request line; another ### means this block has none.
            while (index < lines.Length && !lines[index].StartsWith("###", StringComparison.Ordinal) && !RequestLine().IsMatch(lines[index].Trim()))
                index++;
            if (index >= lines.Length || lines[index].StartsWith("###", StringComparison.Ordinal)) continue;

            var lineNumber = index + 1;
            var request = RequestLine().Match(lines[index].Trim());
            index++;
            var headers = new List<(string, string)>();
            while (index < lines.Length && lines[index].Trim().Length > 0 && !lines[index].StartsWith("###", StringComparison.Ordinal))
            {
                var header = HeaderLine().Match(lines[index].Trim());
                if (!header.Success) throw new InvalidDataException($"{name}:{index + 1}: '{lines[index]}' is not a header line.");
                headers.Add((header.Groups["name"].Value, Substitute(header.Groups["value"].Value, index + 1)));
                index++;
            }
            var body = new StringBuilder();
            var bodyStart = index + 1;
            while (index < lines.Length && !lines[index].StartsWith("###", StringComparison.Ordinal))
            {
                body.Append(lines[index]).Append('\n');
                index++;
            }
            var text = body.ToString().Trim();
            requests.Add(new HttpFileRequest(name, lineNumber, title, request.Groups["method"].Value,
                Substitute(request.Groups["url"].Value, lineNumber), headers, text.Length == 0 ? null : Substitute(text, bodyStart)));
        }
        return requests;
    }
}
