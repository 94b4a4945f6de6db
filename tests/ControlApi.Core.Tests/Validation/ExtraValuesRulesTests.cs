using System.Text.Json;
using ControlApi.Core.Charts;
using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class ExtraValuesRulesTests
{
    /// <summary>A chart with a schema of its own, small enough to read: operator.replicas is an integer, tolerations a list.</summary>
    private static readonly ChartDefinition SmallChart = new("cilium", "1.18.2",
        """{"type":"object","properties":{"operator":{"type":"object","properties":{"replicas":{"type":"integer","minimum":0}}},"tolerations":{"type":"array"}}}""",
        "operator:\n  replicas: 2\n");

    private static CiliumSettings WithExtra(string json, CiliumSettings? settings = null) =>
        SettingsJson.Canonical((settings ?? Seed) with { ExtraValues = JsonDocument.Parse(json).RootElement.Clone() });

    public static TheoryData<Fires> Firing => new()
    {
        new("extra values that are not an object", WithExtra("[1,2]"), "extra-values-not-object", "/extraValues", IssueSeverity.Error) { Chart = SmallChart },
        new("an extra value the typed encryption setting owns", WithExtra("""{"encryption":{"enabled":true}}"""),
            "extra-value-owned-by-setting", "/extraValues/encryption/enabled", IssueSeverity.Error) { Chart = SmallChart },
        new("a scalar where the typed settings own a map below it", WithExtra("""{"hubble":{"ui":"on"}}"""),
            "extra-value-owned-by-setting", "/extraValues/hubble/ui", IssueSeverity.Error) { Chart = SmallChart },
        new("overriding the KubePrism port Talos needs", WithExtra("""{"k8sServicePort":6443}"""),
            "extra-value-owned-by-talos", "/extraValues/k8sServicePort", IssueSeverity.Error) { Chart = SmallChart },
        new("turning off the pod roll-out ControlApi relies on", WithExtra("""{"rollOutCiliumPods":false}"""),
            "extra-value-owned-by-controlapi", "/extraValues/rollOutCiliumPods", IssueSeverity.Error) { Chart = SmallChart },
        new("an operator replica count the chart schema refuses", WithExtra("""{"operator":{"replicas":"two"}}"""),
            "extra-value-invalid", "/extraValues/operator/replicas", IssueSeverity.Error) { Chart = SmallChart },
        new("new extra values while the chart could not be loaded", WithExtra("""{"operator":{"replicas":1}}"""),
            "chart-schema-unavailable", "/extraValues", IssueSeverity.Error),
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("extra values the schema accepts", WithExtra("""{"operator":{"replicas":1},"tolerations":[{"operator":"Exists"}]}"""), "extra-value-invalid") { Chart = SmallChart },
        new("an annotation beside the one hubble.ui.hostname owns", WithExtra("""{"hubble":{"ui":{"service":{"annotations":{"team":"net"}}}}}"""), "extra-value-owned-by-setting") { Chart = SmallChart },
        new("the IPsec key file, which no typed member owns", WithExtra("""{"encryption":{"ipsec":{"keyFile":"keys"}}}"""), "extra-value-owned-by-setting") { Chart = SmallChart },
        new("no extra values", Seed, "extra-values-not-object"),
        new("capabilities left to ControlApi", Seed, "extra-value-owned-by-talos"),
        new("roll-outs left to ControlApi", Seed, "extra-value-owned-by-controlapi"),
        new("unchanged extra values need no chart", WithExtra("""{"operator":{"replicas":1}}"""), "chart-schema-unavailable")
        {
            Current = WithExtra("""{"operator":{"replicas":1}}""") with { HostFirewall = new HostFirewallSettings { Enabled = true } },
        },
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Fact]
    public void An_owned_key_names_the_typed_member_to_set_instead()
    {
        var error = Assert.Single(SettingsValidator.Validate(Cluster(), WithExtra("""{"hostFirewall":{"enabled":true}}"""), null, SmallChart).Errors);

        Assert.Contains("/hostFirewall/enabled", error.Message);
    }

    [Fact]
    public void Extra_values_are_rendered_under_the_typed_ones_and_sorted()
    {
        var values = HelmValuesBuilder.Build(Cluster(), WithExtra("""{"operator":{"replicas":1},"tolerations":[{"operator":"Exists"}],"aaa":null}"""));

        Assert.Equal("1", ((YamlScalar)((YamlMap)values["operator"]!)["replicas"]!).Text);
        Assert.Equal("true", ((YamlScalar)((YamlMap)values["operator"]!)["rollOutPods"]!).Text);
        Assert.Equal(ScalarKind.Null, ((YamlScalar)values["aaa"]!).Kind);
        Assert.Equal(values.Entries.Select(e => e.Key).Order(StringComparer.Ordinal), values.Entries.Select(e => e.Key));
    }

    [ReferenceFact]
    public void The_real_chart_schema_refuses_a_wrong_type_and_accepts_the_seed_values()
    {
        var chart = new ChartDefinition("cilium", "1.18.2", ReferenceData.Read("cilium", "values.schema.json"), ReferenceData.Read("cilium", "values.yaml"));

        var bad = SettingsValidator.Validate(Cluster(), WithExtra("""{"operator":{"replicas":"one"}}"""), null, chart);
        var good = SettingsValidator.Validate(Cluster(), WithExtra("""{"operator":{"replicas":1},"resources":{"limits":{"memory":"1Gi"}},"tolerations":[{"operator":"Exists"}]}"""), null, chart);

        Assert.Contains(bad.Errors, e => e.Code == "extra-value-invalid" && e.Pointer == "/extraValues/operator/replicas");
        Assert.Empty(good.Errors);
    }
}
