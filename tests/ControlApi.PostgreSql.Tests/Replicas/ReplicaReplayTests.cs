using System.Net;
using System.Text;
using ControlApi.Chatops;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;

namespace ControlApi.Tests.Replicas;

/// <summary>
/// Two replicas running at the same time on one PostgreSQL database: a signed chat request that
/// one of them took is refused by the other (Slack's own retries and a replaying attacker alike).
/// </summary>
public sealed class ReplicaReplayTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _database = PostgreSqlServer.Shared.CreateDatabase();

    public void Dispose()
    {
        PostgreSqlServer.Shared.DropDatabase(_database);
        _temp.Dispose();
    }

    private ControlApiFactory Replica() => new(new Dictionary<string, string?>
    {
        [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
        [ControlApiFactory.DatabaseConnectionKey] = PostgreSqlServer.Shared.ConnectionString(_database),
        ["ControlApi:Clusters:0:GitOps:Repository"] = _temp.Combine("fleet.git"),
        ["ControlApi:Chatops:Slack:SigningSecret"] = ChatopsService.SlackSecret,
    });

    [Fact]
    public async Task A_slack_request_one_replica_answered_is_refused_by_the_other_while_both_run()
    {
        using var first = Replica();
        using var second = Replica();
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = ChatopsService.SlackBody("help");
        var signature = ChatSigning.Slack(ChatopsService.SlackSecret, at, body);

        using var answered = await SendAsync(first, body, at, signature);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);

        using var replayed = await SendAsync(second, body, at, signature);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("already received", await replayed.Content.ReadAsStringAsync());

        // A fresh request, signed anew, is still answered by the other replica: only the replay is refused.
        var fresh = ChatopsService.SlackBody("help ");
        using var other = await SendAsync(second, fresh, at, ChatSigning.Slack(ChatopsService.SlackSecret, at, fresh));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private static Task<HttpResponseMessage> SendAsync(ControlApiFactory service, string body, string timestamp, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chatops/slack")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add(SlackSignatureVerifier.TimestampHeader, timestamp);
        request.Headers.Add(SlackSignatureVerifier.SignatureHeader, signature);
        return service.CreateClient().SendAsync(request);
    }
}
