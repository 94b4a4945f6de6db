using System.Globalization;
using System.Text;

namespace ControlApi.Core.Rendering;

/// <summary>
/// Formats a <see cref="TimeSpan"/> as the Go duration Flux accepts
/// (<c>^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$</c>, the Flux CRDs' <c>interval</c> and HelmRelease <c>timeout</c>): <c>1h</c>, <c>30m</c>, <c>1m30s</c>.
/// </summary>
public static class GoDuration
{
    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "A Flux interval must be positive.");
        if (duration.Ticks % TimeSpan.TicksPerMillisecond != 0)
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "A Flux interval has millisecond precision at most.");

        var text = new StringBuilder();
        Append(text, (long)duration.TotalHours, "h");
        Append(text, duration.Minutes, "m");
        Append(text, duration.Seconds, "s");
        Append(text, duration.Milliseconds, "ms");
        return text.ToString();
    }

    private static void Append(StringBuilder text, long amount, string unit)
    {
        if (amount > 0) text.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
    }
}
