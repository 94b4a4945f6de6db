using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class ChartVersionRulesTests
{
    public static TheoryData<Fires> Firing => new()
    {
        new("a 1.17 chart", Seed with { ChartVersion = "1.17.8" },
            "chart-version-unsupported", "/chartVersion", IssueSeverity.Error),
        new("an omitted chart version where the cluster's configured one is unsupported", Seed with { ChartVersion = null },
            "cluster-chart-version-unsupported", "/chartVersion", IssueSeverity.Error)
        {
            Cluster = Cluster(chart: "1.16.5"),
        },
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("the reference data's version", Seed, "chart-version-unsupported"),
        new("an omitted chart version", Seed with { ChartVersion = null }, "chart-version-unsupported"),
        new("an omitted chart version with a supported cluster version", Seed with { ChartVersion = null }, "cluster-chart-version-unsupported"),
        new("an explicit version overriding an unsupported cluster version", Seed, "cluster-chart-version-unsupported")
        {
            Cluster = Cluster(chart: "1.16.5"),
        },
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Theory]
    [InlineData("1.18.0")]
    [InlineData("1.18.2")]
    [InlineData("1.18.12")]
    [InlineData("1.18.105")]
    public void Every_1_18_patch_release_is_a_supported_chart_version(string version)
    {
        Assert.Empty(SettingsValidator.Validate(Cluster(), Seed with { ChartVersion = version }).Errors);
        Assert.Empty(SettingsValidator.Validate(Cluster(chart: version), Seed with { ChartVersion = null }).Errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.18")]
    [InlineData("1.18.x")]
    [InlineData("1.18.*")]
    [InlineData("v1.18.2")]
    [InlineData("1.18.2-rc.1")]
    [InlineData("1.18.2+build")]
    [InlineData("1.18.02")]
    [InlineData("1.18.-1")]
    [InlineData("1.19.0")]
    [InlineData("1.20.0")]
    [InlineData("2.18.0")]
    [InlineData("~1.18.0")]
    [InlineData(">=1.18.0")]
    [InlineData("latest")]
    [InlineData(" 1.18.2")]
    public void Anything_but_a_plain_1_18_patch_version_is_refused(string version) =>
        RuleAssertions.AssertRefusedAt(Seed with { ChartVersion = version }, "chart-version-unsupported", "/chartVersion");

    [Fact]
    public void The_chart_version_error_lists_what_is_supported()
    {
        var error = Assert.Single(SettingsValidator.Validate(Cluster(), Seed with { ChartVersion = "1.19.0" }).Errors);

        Assert.Contains("'1.19.0'", error.Message);
        Assert.Contains("1.18.<patch>", error.Message);
    }

    [Fact]
    public void The_cluster_chart_version_error_names_the_configured_version_and_how_to_fix_it()
    {
        var error = Assert.Single(SettingsValidator.Validate(Cluster(chart: "1.16.5"), Seed with { ChartVersion = null }).Errors);

        Assert.Contains("'1.16.5'", error.Message);
        Assert.Contains("Chart:Version", error.Message);
    }
}
