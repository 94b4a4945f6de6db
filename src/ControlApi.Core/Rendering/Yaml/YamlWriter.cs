using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ControlApi.Core.Rendering.Yaml;

/// <summary>
/// Writes <see cref="YamlMap"/> documents through YamlDotNet's emitter, byte-stable:
/// keys in the map's order, two-space indent, indented sequences, <c>\n</c> line ends, no line
/// folding, a final newline, no <c>...</c> document end markers, <c>---</c> only between documents.
/// Every string is double-quoted unless <see cref="CanBePlain"/> proves it reads back as the same
/// string in any YAML reader, so no value can add structure (keys, documents, comments, anchors).
/// Double-quoted scalars escape line breaks and control characters; text that is not valid UTF-16
/// (a lone surrogate) makes the emitter throw rather than write something else.
/// </summary>
public static partial class YamlWriter
{
    private static readonly EmitterSettings Settings = EmitterSettings.Default
        .WithBestIndent(2)
        .WithBestWidth(int.MaxValue) // folding long scalars would make the bytes depend on length heuristics
        .WithIndentedSequences()
        .WithNewLine("\n");

    public static string Write(params YamlMap[] documents) => Write((IReadOnlyList<YamlMap>)documents);

    public static string Write(IReadOnlyList<YamlMap> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0) throw new ArgumentException("A YAML file needs at least one document.", nameof(documents));

        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, Settings);
        emitter.Emit(new StreamStart());
        for (var i = 0; i < documents.Count; i++)
        {
            // The first document starts implicitly; the others need '---' to be separate documents.
            emitter.Emit(new DocumentStart(null, null, isImplicit: i == 0));
            EmitValue(emitter, documents[i]);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }
        emitter.Emit(new StreamEnd());
        // The emitter writes only "\n" (NewLine above) and escapes line breaks inside scalars.
        var yaml = text.ToString();
        return yaml.EndsWith('\n') ? yaml : yaml + "\n";
    }

    private static void EmitValue(IEmitter emitter, YamlValue value)
    {
        switch (value)
        {
            case YamlMap map:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
                foreach (var (key, item) in map.Entries)
                {
                    EmitString(emitter, key);
                    EmitValue(emitter, item);
                }
                emitter.Emit(new MappingEnd());
                break;
            case YamlList list:
                // An empty block sequence cannot be written; flow style '[]' is the only spelling.
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true,
                    list.Items.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in list.Items) EmitValue(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case YamlScalar { Kind: ScalarKind.String } s:
                EmitString(emitter, s.Text);
                break;
            case YamlScalar s:
                // Booleans and integers are plain on purpose: that is what makes them typed.
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, s.Text, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.GetType().Name, "Unknown YAML value.");
        }
    }

    private static void EmitString(IEmitter emitter, string text)
    {
        var style = CanBePlain(text) ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, style, isPlainImplicit: true, isQuotedImplicit: true));
    }

    /// <summary>
    /// True when <paramref name="text"/> can be written unquoted and still be read as this exact
    /// string by YAML 1.2 (core schema) and YAML 1.1 readers alike (go-yaml v2, which
    /// sigs.k8s.io/yaml uses, reads <c>yes</c>/<c>on</c>/<c>y</c> as booleans). Deliberately narrow:
    /// a letter (or <c>$</c> for patch directives) followed by letters, digits and <c>. _ / -</c>, and
    /// not a boolean or null word. Everything else — versions like <c>1.18</c>, URLs, CIDRs,
    /// anything with spaces, colons, quotes or line breaks — is double-quoted.
    /// </summary>
    public static bool CanBePlain(string text) =>
        text.Length > 0 && SafePlain().IsMatch(text) && !ReservedWords.Contains(text);

    [GeneratedRegex(@"^[A-Za-z$][A-Za-z0-9._/$-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafePlain();

    // YAML 1.1 booleans and nulls (any case, as go-yaml v2 resolves them) and YAML 1.2's.
    private static readonly HashSet<string> ReservedWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null",
    };
}
