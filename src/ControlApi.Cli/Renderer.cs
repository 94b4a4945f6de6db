using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlApi.Cli;

public enum OutputFormat { Table, Json, Yaml }

/// <summary>A column of a table: its heading and how to read it from one item.</summary>
public sealed record Column(string Heading, Func<JsonNode?, string?> Read)
{
    public static Column Of(string heading, string path) => new(heading, item => Renderer.Text(Renderer.At(item, path)));

    /// <summary>A timestamp to the second in UTC: tables are read by people, json keeps the full value.</summary>
    public static Column Time(string heading, string path) => new(heading, item =>
        DateTimeOffset.TryParse(Renderer.Text(Renderer.At(item, path)), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : Renderer.Text(Renderer.At(item, path)));
}

/// <summary>
/// Turns answers into what a person (table) or a program (json, yaml) reads. Tables show chosen
/// columns; json and yaml show the service's answer unchanged, so scripts see every field.
/// </summary>
public sealed class Renderer(CliConsole console, OutputFormat format)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public OutputFormat Format => format;
    public CliConsole Console => console;

    /// <summary>A list: a table of <paramref name="columns"/>, or the items as json/yaml.</summary>
    public void List(JsonNode? items, params Column[] columns)
    {
        if (format != OutputFormat.Table) { Data(items); return; }
        var rows = (items as JsonArray ?? []).Select(item => columns.Select(c => c.Read(item) ?? "").ToArray()).ToList();
        if (rows.Count == 0) { console.Out.WriteLine("(none)"); return; }
        var widths = columns.Select((c, i) => Math.Max(c.Heading.Length, rows.Max(r => r[i].Length))).ToArray();
        WriteRow(columns.Select(c => c.Heading).ToArray(), widths);
        foreach (var row in rows) WriteRow(row, widths);
    }

    /// <summary>One object: "key: value" lines of the chosen fields, or the whole answer as json/yaml.</summary>
    public void Item(JsonNode? item, params (string Label, string? Value)[] fields)
    {
        if (format != OutputFormat.Table) { Data(item); return; }
        var width = fields.Length == 0 ? 0 : fields.Max(f => f.Label.Length);
        foreach (var (label, value) in fields.Where(f => f.Value is not null))
            console.Out.WriteLine($"{(label + ":").PadRight(width + 1)} {value}");
    }

    /// <summary>Free text for people; in json/yaml the data says it instead.</summary>
    public void Note(string text)
    {
        if (format == OutputFormat.Table) console.Out.WriteLine(text);
    }

    public void Data(JsonNode? node)
    {
        if (format == OutputFormat.Yaml) console.Out.Write(Yaml(node));
        else console.Out.WriteLine(node?.ToJsonString(Indented) ?? "null");
    }

    /// <summary>An RFC 9457 problem as a person reads it: title, detail, then every error with its pointer.</summary>
    public void Problem(ApiAnswer answer)
    {
        var error = console.Error;
        switch (answer)
        {
            case ApiAnswer.Unreachable unreachable:
                error.WriteLine($"error: the service did not answer: {unreachable.Message}");
                error.WriteLine($"       (server from --server, {CliSettings.UrlVariable} or the config file; default {CliSettings.DefaultServer})");
                return;
            case ApiAnswer.Problem { Body: JsonObject problem } p:
                error.WriteLine($"error {p.Status}: {Text(problem["title"]) ?? "request refused"}");
                if (Text(problem["detail"]) is { } detail) error.WriteLine($"  {detail}");
                foreach (var (label, list) in new[] { ("error", problem["errors"]), ("warning", problem["warnings"]) })
                    foreach (var issue in list as JsonArray ?? [])
                        error.WriteLine($"  {label} {Text(issue?["pointer"]) ?? "/"}: {Text(issue?["message"])} [{Text(issue?["code"])}]");
                return;
            case ApiAnswer.Problem p:
                error.WriteLine($"error {p.Status}: {Text(p.Body) ?? "no details"}");
                return;
        }
    }

    private void WriteRow(string[] cells, int[] widths) =>
        console.Out.WriteLine(string.Join("  ", cells.Select((cell, i) => i == cells.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());

    /// <summary>Reads a dotted path ("revision.number") from a node.</summary>
    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
            node = node is JsonObject o ? o[part] : null;
        return node;
    }

    /// <summary>A scalar as text; objects and arrays as compact JSON.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    /// <summary>YAML of JSON: block style, strings quoted only when YAML would read them otherwise, diffs as literal blocks.</summary>
    public static string Yaml(JsonNode? node)
    {
        var text = new StringBuilder();
        WriteYaml(text, node, 0, inList: false);
        if (text.Length == 0 || text[^1] != '\n') text.Append('\n');
        return text.ToString();
    }

    private static void WriteYaml(StringBuilder text, JsonNode? node, int indent, bool inList)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                var first = true;
                foreach (var (key, value) in o)
                {
                    if (!(first && inList)) text.Append(pad);
                    first = false;
                    text.Append(Scalar(key)).Append(':');
                    WriteChild(text, value, indent);
                }
                break;
            case JsonArray a when a.Count > 0:
                foreach (var item in a)
                {
                    text.Append(pad).Append("- ");
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 }) WriteYaml(text, item, indent + 2, inList: true);
                    else text.Append(ScalarOf(item, indent + 2)).Append('\n');
                }
                break;
            default:
                text.Append(ScalarOf(node, indent)).Append('\n');
                break;
        }
    }

    private static void WriteChild(StringBuilder text, JsonNode? value, int indent)
    {
        if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            text.Append('\n');
            WriteYaml(text, value, value is JsonArray ? indent : indent + 2, inList: false);
        }
        else text.Append(' ').Append(ScalarOf(value, indent + 2)).Append('\n');
    }

    private static string ScalarOf(JsonNode? node, int indent) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.TryGetValue<string>(out var s) && s.Contains('\n') =>
            "|-\n" + string.Join('\n', s.TrimEnd('\n').Split('\n').Select(line => new string(' ', indent) + line)),
        JsonValue v when v.TryGetValue<string>(out var s) => Scalar(s),
        _ => node.ToJsonString(),
    };

    /// <summary>Plain when unambiguous, else a JSON string (a valid YAML double-quoted scalar).</summary>
    private static string Scalar(string s)
    {
        var plain = s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ' ')
            && !char.IsWhiteSpace(s[0]) && !char.IsWhiteSpace(s[^1]) && s[0] is not ('-' or '.')
            && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && s.ToLowerInvariant() is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~");
        return plain ? s : JsonSerializer.Serialize(s);
    }
}
