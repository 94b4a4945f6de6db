using System.Net;
using System.Text;
using ControlApi.Chatops;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ControlApi.Tests.Chatops;

/// <summary>
/// A chat signature admitted by one replica is refused by every other: the seen-signature store on a
/// real SQLite file, opened by two instances that share nothing but the file. (The PostgreSQL
/// two-host test comes with the PostgreSQL provider.)
/// </summary>
public sealed class SharedReplayTests : IDisposable
{
    private readonly SharedSqliteFile _database = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero));

    public void Dispose() => _database.Dispose();

    private SeenSignatures Replica() => new(_database.Scopes, _time, NullLogger<SeenSignatures>.Instance);

    [Fact]
    public async Task A_signature_one_replica_admitted_is_refused_by_the_other_until_its_window_passes()
    {
        var a = Replica();
        var b = Replica();
        var expires = _time.GetUtcNow().AddMinutes(5);

        Assert.True(await a.FirstTimeAsync("slack", "v0=abc", expires, default));
        Assert.False(await b.FirstTimeAsync("slack", "v0=abc", expires, default));
        Assert.False(await a.FirstTimeAsync("slack", "v0=abc", expires, default));
        // Another channel's signature is another request.
        Assert.True(await b.FirstTimeAsync("teams", "v0=abc", expires, default));
        // Only a hash is stored, never the signature.
        Assert.DoesNotContain(await _database.QueryAsync(db => db.SeenSignatures.Select(s => s.Hash).ToListAsync()), h => h.Contains("abc", StringComparison.Ordinal));

        // Past the window the rows are pruned (by whichever replica looks next).
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.True(await b.FirstTimeAsync("slack", "v0=later", _time.GetUtcNow().AddMinutes(5), default));
        Assert.Equal(1, await _database.QueryAsync(db => db.SeenSignatures.CountAsync()));
    }

    [Fact]
    public async Task Replicas_racing_on_the_same_signature_admit_it_exactly_once()
    {
        var replicas = Enumerable.Range(0, 8).Select(_ => Replica()).ToList();
        for (var round = 0; round < 5; round++)
        {
            var signature = $"v0=race-{round}";
            using var start = new ManualResetEventSlim();
            var attempts = replicas.Select(r => Task.Run(async () =>
            {
                start.Wait();
                return await r.FirstTimeAsync("slack", signature, _time.GetUtcNow().AddMinutes(5), default);
            })).ToList();
            start.Set();
            Assert.Single(await Task.WhenAll(attempts), admitted => admitted);
        }
    }

    [Fact]
    public async Task A_slack_request_replayed_to_a_process_that_has_not_seen_it_is_refused_by_what_the_database_remembers()
    {
        // A restarted service on the same database has an empty in-memory cache, as another replica has.
        using var temp = new TempDirectory();
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = ChatopsService.SlackBody("help");
        var signature = ChatSigning.Slack(ChatopsService.SlackSecret, at, body);
        var settings = new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = temp.Combine("fleet.git"),
            ["ControlApi:Chatops:Slack:SigningSecret"] = ChatopsService.SlackSecret,
        };
        var data = temp.Combine("data");
        Directory.CreateDirectory(data);

        using (var first = new ControlApiFactory(settings, data))
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(first, body, at, signature)).StatusCode);

        using var second = new ControlApiFactory(settings, data);
        var replay = await SendAsync(second, body, at, signature);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already received", await replay.Content.ReadAsStringAsync());
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
