using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// Reads YAML the way a Kubernetes client would and turns each document into JSON, so rendered
/// files can be validated with JSON Schema and compared structurally. Plain scalars resolve by the
/// YAML 1.2 core schema; quoted ones are strings. Duplicate keys, aliases and tags are refused: the
/// renderer never writes them, so seeing one means something was injected.
/// </summary>
public static partial class YamlJson
{
    public static IReadOnlyList<JsonNode?> ParseDocuments(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var documents = new List<JsonNode?>();
        parser.Consume<StreamStart>();
        while (parser.TryConsume<DocumentStart>(out _))
        {
            documents.Add(ReadNode(parser));
            parser.Consume<DocumentEnd>();
        }
        parser.Consume<StreamEnd>();
        return documents;
    }

    public static JsonNode ParseSingle(string yaml)
    {
        var documents = ParseDocuments(yaml);
        Assert.Single(documents);
        return documents[0] ?? throw new InvalidOperationException("The document is empty.");
    }

    /// <summary>Every plain (unquoted) scalar in the text, with how YAML 1.2 and YAML 1.1 read it.</summary>
    public static IReadOnlyList<string> PlainScalars(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var plain = new List<string>();
        while (parser.MoveNext())
            if (parser.Current is Scalar { Style: ScalarStyle.Plain } scalar) plain.Add(scalar.Value);
        return plain;
    }

    private static JsonNode? ReadNode(IParser parser)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            RefuseDecorations(scalar.Anchor, scalar.Tag, scalar);
            return scalar.Style == ScalarStyle.Plain ? ResolveCore(scalar.Value) : JsonValue.Create(scalar.Value);
        }
        if (parser.TryConsume<SequenceStart>(out var sequence))
        {
            RefuseDecorations(sequence.Anchor, sequence.Tag, sequence);
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _)) array.Add(ReadNode(parser));
            return array;
        }
        if (parser.TryConsume<MappingStart>(out var mapping))
        {
            RefuseDecorations(mapping.Anchor, mapping.Tag, mapping);
            var obj = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyEvent = parser.Consume<Scalar>();
                if (!obj.TryAdd(keyEvent.Value, ReadNode(parser)))
                    throw new YamlException(keyEvent.Start, keyEvent.End, $"Duplicate key '{keyEvent.Value}'.");
            }
            return obj;
        }
        throw new YamlException(parser.Current!.Start, parser.Current.End, $"Unexpected {parser.Current.GetType().Name} (aliases are never rendered).");
    }

    private static void RefuseDecorations(AnchorName anchor, TagName tag, ParsingEvent at)
    {
        if (!anchor.IsEmpty) throw new YamlException(at.Start, at.End, $"Unexpected anchor &{anchor}.");
        if (!tag.IsEmpty && !tag.IsNonSpecific) throw new YamlException(at.Start, at.End, $"Unexpected tag {tag}.");
    }

    /// <summary>YAML 1.2 core schema resolution of a plain scalar.</summary>
    public static JsonNode? ResolveCore(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (CoreInt().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (CoreFloat().IsMatch(text)) return JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture));
        if (CoreOther().IsMatch(text)) throw new NotSupportedException($"'{text}' is an octal, hex or special float; the renderer never writes one.");
        return JsonValue.Create(text);
    }

    /// <summary>
    /// How a YAML 1.1 reader (go-yaml v2 behind sigs.k8s.io/yaml) types a plain scalar: "str" unless it is
    /// a 1.1 boolean, null, number or timestamp.
    /// </summary>
    public static string Yaml11Kind(string text)
    {
        if (Yaml11Bool().IsMatch(text)) return "bool";
        if (text is "" or "~" or "null" or "Null" or "NULL") return "null";
        if (Yaml11Number().IsMatch(text)) return "number";
        if (Yaml11Timestamp().IsMatch(text)) return "timestamp";
        return "str";
    }

    [GeneratedRegex(@"^[-+]?[0-9]+\z")] private static partial Regex CoreInt();
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z")] private static partial Regex CoreFloat();
    [GeneratedRegex(@"^(0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))\z")] private static partial Regex CoreOther();
    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\z")] private static partial Regex Yaml11Bool();
    [GeneratedRegex(@"^([-+]?(0b[0-1_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)|[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))\z")] private static partial Regex Yaml11Number();
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")] private static partial Regex Yaml11Timestamp();
}
