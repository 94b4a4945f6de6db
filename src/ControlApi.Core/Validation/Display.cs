using System.Globalization;
using System.Text;

namespace ControlApi.Core.Validation;

/// <summary>
/// Renders user-supplied values inside messages. A message is shown in problem details, chat and
/// logs, so the value is quoted, its invisible characters are spelled out and it is cut short:
/// the message must not carry the very injection it reports.
/// </summary>
internal static class Display
{
    private const int MaxShownCharacters = 64;

    public static string Quote(string value)
    {
        var builder = new StringBuilder("'");
        var shown = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (shown == MaxShownCharacters)
            {
                builder.Append('…');
                break;
            }
            builder.Append(IsSafeToShow(rune) ? rune.ToString() : $"\\u{rune.Value:X4}");
            shown++;
        }
        return builder.Append('\'').ToString();
    }

    /// <summary>A setting's path as people write it in messages: <c>/bgp/peers/0/name</c> → <c>bgp.peers[0].name</c>.</summary>
    public static string Member(string pointer)
    {
        var builder = new StringBuilder();
        foreach (var token in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                builder.Append('[').Append(token).Append(']');
            else
                builder.Append(builder.Length == 0 ? "" : ".").Append(token);
        }
        return builder.ToString();
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool IsSafeToShow(Rune rune) =>
        rune.Value != '\'' && !YamlSafeText.IsUnrepresentable(rune);
}
