using System.Text.Json;
using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;
using ControlApi.Core.Values;
using static ControlApi.Core.Validation.ValidationCodes;

namespace ControlApi.Core.Validation.Rules;

/// <summary>
/// <c>extraValues</c>: a values tree, none of whose keys the typed model owns, that the chart's own
/// <c>values.schema.json</c> accepts once merged with the typed values — the check <c>helm upgrade</c>
/// would make, made before anything is committed.
/// </summary>
internal static class ExtraValuesRules
{
    public const string Member = "/extraValues";

    public static IEnumerable<ValidationIssue> Check(ValidationContext context)
    {
        var extra = context.Desired.ExtraValues;
        if (extra.ValueKind != JsonValueKind.Object)
        {
            yield return Issue.Error(ExtraValuesNotObject, Member, ValidationMessages.ExtraValuesNotObject);
            yield break;
        }

        var tree = (YamlMap)ValueTree.FromJson(extra);
        var owned = false;
        foreach (var path in ValueTree.Leaves(tree).Keys)
        {
            var segments = ValuePath.Split(path);
            if (HelmValueOwnership.Collision(segments) is not { } collision) continue;
            owned = true;
            var pointer = ValuePath.ToPointer(Member, segments);
            yield return collision.Owner switch
            {
                ValueOwner.Setting => Issue.Error(ExtraValueOwnedBySetting, pointer, ValidationMessages.ExtraValueOwnedBySetting,
                    Display.Quote(path), Display.Quote(collision.Path), collision.Member!),
                ValueOwner.Talos => Issue.Error(ExtraValueOwnedByTalos, pointer, ValidationMessages.ExtraValueOwnedByTalos,
                    Display.Quote(path), Display.Quote(collision.Path), collision.Why),
                _ => Issue.Error(ExtraValueOwnedByControlApi, pointer, ValidationMessages.ExtraValueOwnedByControlApi,
                    Display.Quote(path), Display.Quote(collision.Path), collision.Why),
            };
        }
        if (owned) yield break;

        // The schema is needed only when something it judges changed: the extra values or the chart.
        var unchanged = context.Current is { } current
            && JsonElement.DeepEquals(current.ExtraValues, extra)
            && current.ChartVersion == context.Desired.ChartVersion;
        if (tree.Count == 0 || unchanged) yield break;

        if (context.Chart is not { } chart)
        {
            yield return Issue.Error(ChartSchemaUnavailable, Member, ValidationMessages.ChartSchemaUnavailable,
                Rendering.FluxResourceBuilder.EffectiveChartVersion(context.Cluster, context.Desired));
            yield break;
        }

        var merged = ValueTree.ToJson(HelmValuesBuilder.Build(context.Cluster, context.Desired));
        foreach (var error in chart.Check(merged))
        {
            // Only extra values can be wrong here: the typed ones are rendered to the schema (tests hold it to that).
            yield return Issue.Error(ExtraValueInvalid, ValuePath.ToPointer(Member, error.Path), ValidationMessages.ExtraValueInvalid,
                Display.Quote(ValuePath.Join(error.Path)), chart.Version, error.Message);
        }
    }
}
