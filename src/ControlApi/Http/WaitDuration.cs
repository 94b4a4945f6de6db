using System.Globalization;
using System.Text.RegularExpressions;

namespace ControlApi.Http;

/// <summary>Durations as people type them in a query string: <c>30s</c>, <c>5m</c>, <c>90s</c>, <c>1m30s</c>, <c>1h</c>.</summary>
public static partial class WaitDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || match.Length == 0) return false;
        try
        {
            duration = TimeSpan.FromHours(Part(match, "h")) + TimeSpan.FromMinutes(Part(match, "m")) + TimeSpan.FromSeconds(Part(match, "s"));
        }
        catch (OverflowException)
        {
            return false;
        }
        return true;
    }

    /// <summary>The shortest way to write <paramref name="duration"/> in the same notation (whole seconds).</summary>
    public static string Format(TimeSpan duration)
    {
        var total = (long)duration.TotalSeconds;
        var (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
        var text = (h > 0 ? $"{h}h" : "") + (m > 0 ? $"{m}m" : "") + (s > 0 ? $"{s}s" : "");
        return text.Length == 0 ? "0s" : text;
    }

    private static long Part(Match match, string unit) =>
        match.Groups[unit].Success ? long.Parse(match.Groups[unit].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"\A(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,6})m)?(?:(?<s>\d{1,7})s)?\z")]
    private static partial Regex Pattern();
}
