using System.Net;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.Extensions.Options;

namespace ControlApi.Tests.Api;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("ControlApi:Clusters:1:Id", "local", "ControlApi:Clusters:1:Id 'local' duplicates ControlApi:Clusters:0:Id")]
    [InlineData("ControlApi:Clusters:0:Talos:Version", "0.9", "ControlApi:Clusters:0:Talos:Version '0.9'")]
    [InlineData("ControlApi:Clusters:0:GitOps:CiliumPath", "../outside", "ControlApi:Clusters:0:GitOps:CiliumPath '../outside'")]
    [InlineData("ControlApi:Clusters:0:Flux:HelmRelease", "cilium", "ControlApi:Clusters:0:Flux:HelmRelease 'cilium'")]
    [InlineData("ControlApi:Clusters:0:Chart:Version", "1.99.0", "ControlApi:Clusters:0:Chart:Version '1.99.0'")]
    [InlineData("ControlApi:Clusters:0:Talos:PodSubnets:0", "10.244.0.0", "ControlApi:Clusters:0:Talos:PodSubnets:0 '10.244.0.0'")]
    [InlineData("ControlApi:Clusters:0:Talos:PodSubnets:0", "fd00:10:244::/56", "ControlApi:Clusters:0:Talos:PodSubnets:0 'fd00:10:244::/56'")]
    [InlineData("ControlApi:Jobs:QueuePollInterval", "02:00:00", "ControlApi:Jobs:QueuePollInterval 02:00:00 must be between")]
    [InlineData("ControlApi:Jobs:QueuePollInterval", "00:00:00.001", "ControlApi:Jobs:QueuePollInterval 00:00:00.0010000 must be between")]
    public void An_invalid_configuration_stops_the_start_naming_the_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("ControlApi:Clusters:1:", StringComparison.Ordinal))
            settings["ControlApi:Clusters:1:GitOps:Repository"] = "other.git";
        using var factory = new ControlApiFactory(settings);

        var failure = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public async Task A_second_cluster_can_be_added_by_configuration()
    {
        using var factory = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:1:Id"] = "goldentooth",
            ["ControlApi:Clusters:1:GitOps:Repository"] = "goldentooth.git",
            ["ControlApi:Clusters:1:Talos:Version"] = "v1.14.0",
        });
        var client = factory.CreateClient(Role.Viewer);

        var cluster = await (await client.GetAsync("/api/v1/clusters/goldentooth")).ReadJsonAsync();

        Assert.Equal("1.14", (string)cluster["talos"]!["version"]!);
        Assert.Equal("kube-system/cilium", (string)cluster["flux"]!["helmRelease"]!);
    }

    [Fact]
    public async Task A_native_routing_CIDR_missing_the_configured_pod_subnet_gets_422_with_code_and_pointer()
    {
        using var factory = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:Talos:PodSubnets:0"] = "10.42.0.0/16",
        });
        var client = factory.CreateClient(Role.Operator);

        var response = await client.PatchAsync("/api/v1/clusters/local/cilium", HttpJson.MergePatch(
            """{"routing":{"mode":"native","ipv4NativeRoutingCidr":"10.244.0.0/16"}}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = Assert.Single((await response.ReadJsonAsync())["errors"]!.AsArray());
        Assert.Equal("native-routing-cidr-misses-pod-subnet", (string)error!["code"]!);
        Assert.Equal("/routing/ipv4NativeRoutingCidr", (string)error["pointer"]!);
        Assert.Contains("10.42.0.0/16", (string)error["message"]!);
    }
}
