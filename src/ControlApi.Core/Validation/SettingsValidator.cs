using ControlApi.Core.Clusters;
using ControlApi.Core.Settings;

namespace ControlApi.Core.Validation;

/// <summary>
/// Checks desired settings against what Cilium and Talos allow (SPEC §2). Returns every error and
/// warning at once. <paramref name="current"/> (the live revision's settings) lets change warnings
/// say what a transition disrupts.
/// </summary>
public static class SettingsValidator
{
    public static ValidationResult Validate(ClusterProfile cluster, CiliumSettings desired, CiliumSettings? current = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(desired);
        // Rules are filled in by the validation work (issue 2 part 3).
        return new ValidationResult([], []);
    }
}
