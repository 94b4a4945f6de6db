using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>The chart version must be one the reference schemas describe, or rendered values could be wrong.</summary>
internal static class ChartVersionRules
{
    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var requested = context.Desired.ChartVersion;

        // cilium/NOTES.md (top): data is from v1.18.2; "Later 1.18 patches … None of the mappings below change".
        if (requested is not null)
        {
            if (!SettingFormats.IsSupportedChartVersion(requested))
                yield return Issue.Error(ChartVersionUnsupported, SettingsPointers.ChartVersion,
                    ValidationMessages.ChartVersionUnsupported, Display.Quote(requested), SettingFormats.SupportedChartVersions);
            yield break;
        }

        // null means the cluster's Chart:Version (CiliumSettings.ChartVersion); that one is rendered, so check it too.
        var configured = context.Cluster.Chart.Version;
        if (!SettingFormats.IsSupportedChartVersion(configured))
            yield return Issue.Error(ClusterChartVersionUnsupported, SettingsPointers.ChartVersion,
                ValidationMessages.ClusterChartVersionUnsupported, Display.Quote(configured), SettingFormats.SupportedChartVersions, context.Cluster.Id);
    }
}
