using System.Globalization;
using System.Text.RegularExpressions;

namespace ControlApi.Cli;

/// <summary>Durations as the API writes them (30s, 5m, 1m30s, 1h), so a person uses one notation everywhere.</summary>
public static partial class Duration
{
    [GeneratedRegex(@"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || match.Length == 0) return false;
        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        value = new TimeSpan(Part(1), Part(2), Part(3));
        return value > TimeSpan.Zero;
    }

    /// <summary>Time waited so far, whole seconds as a person counts them (1m05s).</summary>
    public static string Elapsed(TimeSpan value)
    {
        var seconds = (int)value.TotalSeconds;
        return seconds < 60 ? $"{seconds}s" : $"{seconds / 60}m{seconds % 60:00}s";
    }

    /// <summary>A duration for the API's timeout parameter, rounded up to whole seconds.</summary>
    public static string Format(TimeSpan value)
    {
        var seconds = (int)Math.Ceiling(value.TotalSeconds);
        if (seconds < 60) return $"{seconds}s";
        return seconds % 60 == 0 ? $"{seconds / 60}m" : $"{seconds / 60}m{seconds % 60}s";
    }
}
