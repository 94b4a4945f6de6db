using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Chatops.Support;

/// <summary>
/// The real service with chat configured — Slack signing secret, Mattermost token, Teams security
/// token, an operator and a viewer on each platform — committing to a temp bare repository.
/// </summary>
public sealed class ChatopsService : IDisposable
{
    public const string SlackSecret = "3b1f0c5e6d2a4f7e9c8b1a0d5e6f7a8b";
    public const string MattermostToken = "mm-token-9xq4k2v7r8w1z5p3";
    public static readonly string TeamsToken = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray());

    public const string SlackOperator = "U0OPERATOR";
    public const string SlackViewer = "U0VIEWER";
    public const string MattermostOperator = "mm0operator0000000000000000";
    public const string TeamsOperator = "6f1c2e9a-3b4d-4e5f-8a7b-9c0d1e2f3a4b";

    private readonly TempDirectory _temp = new();

    public ChatopsService(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Git = new PlainGit(_temp.Combine("home"));
        Remote = _temp.Combine("fleet.git");
        var all = new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = Remote,
            ["ControlApi:Chatops:Slack:SigningSecret"] = SlackSecret,
            ["ControlApi:Chatops:Slack:ResponseUrlHosts:0"] = "127.0.0.1",
            ["ControlApi:Chatops:Mattermost:Token"] = MattermostToken,
            ["ControlApi:Chatops:Teams:SecurityToken"] = TeamsToken,
            [$"ControlApi:Chatops:Users:slack:{SlackOperator}"] = "operator",
            [$"ControlApi:Chatops:Users:slack:{SlackViewer}"] = "viewer",
            [$"ControlApi:Chatops:Users:mattermost:{MattermostOperator}"] = "operator",
            [$"ControlApi:Chatops:Users:teams:{TeamsOperator}"] = "operator",
            ["ControlApi:Chatops:FollowUp:PollInterval"] = "00:00:00.200",
            ["ControlApi:Chatops:FollowUp:MaxPollInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? []) all[key] = value;
        Factory = new ControlApiFactory(all, services: services);
    }

    public ControlApiFactory Factory { get; }
    private HttpClient? _client;
    private HttpClient? _api;

    /// <summary>No API key, as chat platforms send none. Starts the service on first use.</summary>
    public HttpClient Client => _client ??= Factory.CreateClient();

    /// <summary>A viewer's API key, to read what chat did through the HTTP API.</summary>
    public HttpClient Api => _api ??= Factory.CreateClient(Role.Viewer);
    public PlainGit Git { get; }
    public string Remote { get; }

    public void Dispose()
    {
        _client?.Dispose();
        _api?.Dispose();
        Factory.Dispose();
        _temp.Dispose();
    }

    /// <summary>A slash command signed with the current time (or <paramref name="timestamp"/>) and <paramref name="secret"/>.</summary>
    public Task<HttpResponseMessage> SlackAsync(string text, string userId = SlackOperator, string userName = "roadrunner",
        string? responseUrl = null, long? timestamp = null, string secret = SlackSecret)
    {
        var body = SlackBody(text, userId, userName, responseUrl);
        var at = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return SendSlackAsync(body, at, ChatSigning.Slack(secret, at, body));
    }

    public static string SlackBody(string text, string userId = SlackOperator, string userName = "roadrunner", string? responseUrl = null) => ChatSigning.Form(
        ("token", "xyzz0WbapA4vBCDEFasx0q6G"), ("team_id", "T1DC2JH3J"), ("team_domain", "fleet"), ("channel_id", "C0CILIUM"),
        ("channel_name", "cilium"), ("user_id", userId), ("user_name", userName), ("command", "/controlapi"), ("text", text),
        ("response_url", responseUrl), ("trigger_id", "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"));

    public Task<HttpResponseMessage> SendSlackAsync(string body, string timestamp, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/slack")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", signature);
        return Client.SendAsync(request);
    }

    /// <summary>Slack's answer as JSON, after checking it is a 200.</summary>
    public async Task<JsonNode> SlackReplyAsync(string text, string userId = SlackOperator, string? responseUrl = null)
    {
        var response = await SlackAsync(text, userId, responseUrl: responseUrl);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    public Task<HttpResponseMessage> MattermostAsync(string text, string? token = MattermostToken, string userId = MattermostOperator)
    {
        var body = ChatSigning.Form(("token", token), ("team_id", "t0fleet"), ("channel_id", "c0cilium"), ("user_id", userId),
            ("user_name", "wile.e"), ("command", "/controlapi"), ("text", text));
        return Client.PostAsync("/api/v1/chatops/mattermost", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
    }

    public Task<HttpResponseMessage> TeamsAsync(string text, string? authorization = null, string aadObjectId = TeamsOperator, string? from = null) =>
        SendTeamsAsync(TeamsActivity(text, aadObjectId), authorization, from);

    /// <summary>An outgoing-webhook activity as Teams posts it: a fresh id, stamped now unless <paramref name="timestamp"/> says otherwise.</summary>
    public static string TeamsActivity(string text, string aadObjectId = TeamsOperator, DateTimeOffset? timestamp = null) => new JsonObject
    {
        ["type"] = "message",
        ["id"] = Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["timestamp"] = (timestamp ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture),
        ["serviceUrl"] = "https://smba.trafficmanager.net/amer/",
        ["channelId"] = "msteams",
        ["from"] = new JsonObject { ["id"] = "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB25ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw", ["name"] = "Tom Tester", ["aadObjectId"] = aadObjectId },
        ["conversation"] = new JsonObject { ["id"] = "19:253b1f341670408fb6fcb520adedd6b6@thread.skype;messageid=1485983194839" },
        ["text"] = text,
        ["textFormat"] = "plain",
    }.ToJsonString();

    /// <summary>Posts <paramref name="activity"/> byte for byte, signed with the security token unless <paramref name="authorization"/> is given.</summary>
    public Task<HttpResponseMessage> SendTeamsAsync(string activity, string? authorization = null, string? from = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/teams") { Content = new StringContent(activity, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization ?? ChatSigning.Teams(TeamsToken, activity));
        if (from is not null) request.Headers.Add(ControlApiFactory.RemoteAddressHeader, from);
        return Client.SendAsync(request);
    }

    public async Task<JsonNode> RevisionAsync(int number) =>
        await (await Api.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync();

    public Task<JsonNode> WaitForStateAsync(int number, string state) =>
        Eventually.WaitAsync(() => RevisionAsync(number)!, r => (string?)r?["state"] == state, TimeSpan.FromSeconds(45), $"revision {number} to be {state}");

    public async Task<int> CurrentRevisionAsync() =>
        (int)(await (await Api.GetAsync("/api/v1/clusters/local")).ReadJsonAsync())["currentRevision"]!;

    public async Task<List<AuditEvent>> AuditAsync()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        return await db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }
}

/// <summary>Reading Block Kit answers in assertions.</summary>
public static class BlockKit
{
    public static string ResponseType(this JsonNode message) => (string)message["response_type"]!;

    /// <summary>Every text in the message (headline, sections, fields, context), one per line.</summary>
    public static string AllText(this JsonNode message)
    {
        var texts = new List<string> { (string?)message["text"] ?? "" };
        foreach (var block in message["blocks"]!.AsArray())
        {
            if (block!["text"]?["text"] is { } text) texts.Add((string)text!);
            foreach (var field in block["fields"]?.AsArray() ?? []) texts.Add((string)field!["text"]!);
            // Context elements are texts; buttons carry a text object.
            foreach (var element in block["elements"]?.AsArray() ?? [])
                texts.Add(element!["text"] is JsonObject label ? (string)label["text"]! : (string)element["text"]!);
        }
        return string.Join('\n', texts);
    }
}
