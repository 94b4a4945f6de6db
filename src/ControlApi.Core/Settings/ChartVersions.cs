using System.Text.RegularExpressions;

namespace ControlApi.Core.Settings;

/// <summary>
/// Chart versions the reference data covers: the 1.18 line. cilium/NOTES.md: the data is 1.18.2 and
/// later 1.18 patches (checked up to 1.18.12) render the same cilium-config keys.
/// </summary>
public static partial class ChartVersions
{
    public const string SupportedDescription = "1.18.x, e.g. 1.18.2";

    [GeneratedRegex(@"^1\.18\.(0|[1-9][0-9]{0,3})$")]
    private static partial Regex Supported();

    public static bool IsSupported(string? version) => version is not null && Supported().IsMatch(version);
}
