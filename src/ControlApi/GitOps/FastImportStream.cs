using System.Text;

namespace ControlApi.GitOps;

/// <summary>A commit built by <see cref="GitWorkingCopy.BuildCommitAsync"/>; <see cref="Changed"/> is false when it has its parent's managed files.</summary>
public sealed record BuiltCommit(string Sha, bool Changed);

/// <summary>
/// The text of a <c>git fast-import</c> stream. Lengths in <c>data</c> commands count UTF-8 bytes,
/// the encoding the git runner writes standard input in.
/// </summary>
internal sealed class FastImportStream
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    private readonly StringBuilder _text = new();

    public FastImportStream Line(string line = "")
    {
        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>A counted <c>data</c> block: the content goes through byte for byte, whatever it holds.</summary>
    public FastImportStream Data(string content)
    {
        _text.Append("data ").Append(Utf8.GetByteCount(content)).Append('\n').Append(content).Append('\n');
        return this;
    }

    /// <summary>
    /// A path in C-style quotes, which fast-import accepts everywhere and requires for <c>ls</c> in a
    /// commit. <see cref="RepositoryPath"/> has already refused control characters, so only the
    /// quote and the backslash need escaping.
    /// </summary>
    public static string Quote(string path) =>
        "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public override string ToString() => _text.ToString();
}
