using System.Globalization;
using System.Text;

namespace ControlApi.Core.Validation;

/// <summary>
/// Characters that must never reach a rendered YAML file from a setting: they break lines
/// (YAML 1.1 also breaks on NEL, U+2028 and U+2029), are control characters, or are invisible
/// formatting that makes a value look other than it is (e.g. bidi overrides). Lone surrogates
/// cannot be written as UTF-8 at all.
/// </summary>
internal static class YamlSafeText
{
    public static bool IsUnrepresentable(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control
            or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Surrogate;

    /// <summary>The first offending character spelled as U+XXXX, or <c>null</c> when the text is representable.</summary>
    public static string? FirstUnrepresentable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            // A lone surrogate has no Rune; report it as the code unit it is.
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                return $"U+{(int)text[i]:X4}";
            if (IsUnrepresentable(rune))
                return $"U+{rune.Value:X4}";
            i += consumed - 1;
        }
        return null;
    }
}
