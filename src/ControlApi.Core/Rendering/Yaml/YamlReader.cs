using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ControlApi.Core.Rendering.Yaml;

/// <summary>
/// Reads YAML someone else wrote (an existing HelmRelease, a Talos patch, a chart's values.yaml)
/// into <see cref="YamlValue"/> trees. Plain scalars are resolved with the YAML 1.2 core schema,
/// which is how kustomize's kyaml and Kubernetes' sigs.k8s.io/yaml (go-yaml v3 semantics for
/// untyped maps) read a HelmRelease before its <c>values</c> become JSON in the API server:
/// <c>true</c>/<c>false</c>, <c>null</c>/<c>~</c>/empty, integers and floats; everything else —
/// quoted or not — is a string. Aliases are expanded; merge keys (<c>&lt;&lt;</c>) are refused
/// because readers disagree on them.
/// </summary>
public static partial class YamlReader
{
    /// <summary>A document that could not be read, with the line it failed at.</summary>
    public sealed class YamlReadException(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>Every document of the stream; an empty document is <see cref="YamlValue.Null"/>.</summary>
    public static IReadOnlyList<YamlValue> ReadDocuments(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = new List<YamlValue>();
        try
        {
            var parser = new Parser(new StringReader(yaml));
            var anchors = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                documents.Add(parser.Accept<DocumentEnd>(out _) ? YamlValue.Null : ReadNode(parser, anchors, depth: 0));
                parser.Consume<DocumentEnd>();
            }
            parser.Consume<StreamEnd>();
        }
        catch (YamlException ex)
        {
            throw new YamlReadException($"Not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }
        return documents;
    }

    /// <summary>Nesting deeper than this is not a configuration file but an attack on the reader.</summary>
    private const int MaxDepth = 64;

    private static YamlValue ReadNode(IParser parser, Dictionary<string, YamlValue> anchors, int depth)
    {
        if (depth > MaxDepth) throw new YamlReadException($"The YAML nests deeper than {MaxDepth} levels.");
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var anchored)
                ? anchored
                : throw new YamlReadException($"The alias *{alias.Value.Value} at line {alias.Start.Line} names no anchor before it.");
        }

        YamlValue value;
        AnchorName anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor;
            value = Resolve(scalar);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequence))
        {
            anchor = sequence.Anchor;
            var items = new List<YamlValue>();
            while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadNode(parser, anchors, depth + 1));
            value = new YamlList(items);
        }
        else if (parser.TryConsume<MappingStart>(out var mapping))
        {
            anchor = mapping.Anchor;
            var map = new YamlMap();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(parser, anchors, depth + 1);
                if (keyNode is not YamlScalar key)
                    throw new YamlReadException($"A mapping key near line {parser.Current?.Start.Line} is not a scalar; Helm values and Kubernetes objects use string keys.");
                if (key.Text == "<<" && key.Kind == ScalarKind.String)
                    throw new YamlReadException($"Merge keys (<<) near line {parser.Current?.Start.Line} are read differently by different YAML readers; write the values out.");
                var item = ReadNode(parser, anchors, depth + 1);
                if (map[key.Text] is not null)
                    throw new YamlReadException($"The key '{key.Text}' appears twice in one mapping near line {parser.Current?.Start.Line}.");
                map.Add(key.Text, item);
            }
            value = map;
        }
        else
        {
            throw new YamlReadException($"Unexpected YAML near line {parser.Current?.Start.Line}.");
        }

        if (!anchor.IsEmpty) anchors[anchor.Value] = value;
        return value;
    }

    private static YamlScalar Resolve(Scalar scalar)
    {
        var text = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        switch (tag)
        {
            case "tag:yaml.org,2002:str": return YamlValue.String(text);
            case "tag:yaml.org,2002:int" when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i): return YamlValue.Int(i);
            case "tag:yaml.org,2002:bool" when text is "true" or "false": return YamlValue.Bool(text == "true");
            case "tag:yaml.org,2002:null": return YamlValue.Null;
            case "tag:yaml.org,2002:float" when CoreFloat().IsMatch(text): return YamlValue.Float(text);
            case null: break;
            default: throw new YamlReadException($"The tag {tag} on '{text}' at line {scalar.Start.Line} is not one ControlApi reads.");
        }

        // Quoted and block scalars are strings, whatever they look like.
        if (scalar.Style != ScalarStyle.Plain) return YamlValue.String(text);

        if (text is "" or "~" or "null" or "Null" or "NULL") return YamlValue.Null;
        if (text is "true" or "True" or "TRUE") return YamlValue.Bool(true);
        if (text is "false" or "False" or "FALSE") return YamlValue.Bool(false);
        if (CoreInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return YamlValue.Int(integer);
        if (CoreFloat().IsMatch(text)) return YamlValue.Float(text);
        return YamlValue.String(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex CoreInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex CoreFloat();
}
