using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.Tests.Adoption.Support;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Adoption;

/// <summary>Chat on a cluster whose release is not adopted yet, and chat plans that list every value.</summary>
public sealed class ChatAdoptionTests : IAsyncLifetime
{
    private ChartRepositoryServer _charts = null!;

    public async Task InitializeAsync() => _charts = await ChartRepositoryServer.StartAsync();

    public async Task DisposeAsync() => await _charts.DisposeAsync();

    [Fact]
    public async Task Chat_changes_before_adoption_are_refused_naming_the_adopt_endpoint()
    {
        using var service = new ChatopsService(new() { ["ControlApi:Clusters:0:Chart:Repository"] = _charts.Url });
        await service.Git.InitBareAsync(service.Remote);
        await SeedRepository.PushAsync(service.Git, service.Remote, Path.GetTempPath(), _charts.Url);

        var reply = await service.SlackReplyAsync("enable encryption");

        Assert.Contains("must be adopted first", Text(reply));
        Assert.Contains("/api/v1/clusters/local/adopt", Text(reply));
        Assert.Equal(0, await service.CurrentRevisionAsync());
    }

    [Fact]
    public async Task A_chat_plan_lists_every_rendered_value_the_change_would_alter()
    {
        using var service = new ChatopsService();

        var reply = Text(await service.SlackReplyAsync("plan host-firewall on"));

        Assert.Contains("hostFirewall.enabled: false → true", reply);
        Assert.DoesNotContain("did not name", reply);
    }

    private static string Text(JsonNode reply) => reply.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
