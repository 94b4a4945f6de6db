using System.Net;
using System.Text;
using ControlApi.Chatops;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using Microsoft.Extensions.Options;

namespace ControlApi.Tests.Chatops;

/// <summary>Mattermost's token and Teams' HMAC in front of the same command engine.</summary>
public sealed class MattermostAndTeamsTests
{
    [Fact]
    public async Task A_Mattermost_command_with_the_right_token_runs_and_answers_in_Mattermosts_format()
    {
        using var service = new ChatopsService();

        var response = await service.MattermostAsync("enable bgp-nope");
        var change = await service.MattermostAsync("disable l7-proxy no L7 policies");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var misuse = await response.ReadJsonAsync();
        Assert.Equal("ephemeral", (string)misuse["response_type"]!);
        Assert.Contains("That is not how `enable` works", (string)misuse["text"]!);
        var accepted = await change.ReadJsonAsync();
        Assert.Equal("in_channel", (string)accepted["response_type"]!);
        Assert.StartsWith("**✅ Revision 1 of `local` accepted: disable l7-proxy**", (string)accepted["text"]!);
        var revision = await service.RevisionAsync(1);
        Assert.Equal(("mattermost", "wile.e (mm0operator0000000000000000)", "chatops"),
            ((string)revision["author"]!, (string)revision["onBehalfOf"]!, (string)revision["source"]!));
    }

    [Theory]
    [InlineData("mm-token-9xq4k2v7r8w1z5p")]
    [InlineData("mm-token-9xq4k2v7r8w1z5p3x")]
    [InlineData("MM-TOKEN-9XQ4K2V7R8W1Z5P3")]
    [InlineData("")]
    [InlineData(null)]
    public async Task A_Mattermost_request_without_the_exact_token_is_refused_and_audited(string? token)
    {
        using var service = new ChatopsService();

        var response = await service.MattermostAsync("enable host-firewall", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await service.CurrentRevisionAsync());
        var denied = Assert.Single(await service.AuditAsync(), e => e.Kind == "auth.denied");
        Assert.Equal(("mattermost", "chatops"), (denied.Actor, denied.Source));
    }

    [Fact]
    public void The_Mattermost_token_check_accepts_exactly_the_configured_token()
    {
        var verifier = new MattermostTokenVerifier(Options.Create(new ChatopsOptions { Mattermost = { Token = "abc123" } }));
        Assert.Equal(RequestCheck.Valid, verifier.Verify("abc123"));
        Assert.Equal(RequestCheck.BadSignature, verifier.Verify("abc124"));
        Assert.Equal(RequestCheck.BadSignature, verifier.Verify("abc1234"));
        Assert.Equal(RequestCheck.MissingCredentials, verifier.Verify(null));
    }

    [Fact]
    public async Task A_Teams_message_signed_with_the_security_token_runs_without_the_bot_mention()
    {
        using var service = new ChatopsService();

        var response = await service.TeamsAsync("<at>ControlApi</at>&nbsp;enable host-firewall <b>before</b> the audit\n");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.ReadJsonAsync();
        Assert.Equal("message", (string)reply["type"]!);
        Assert.StartsWith("**✅ Revision 1 of `local` accepted: enable host-firewall**", (string)reply["text"]!);
        var revision = await service.RevisionAsync(1);
        Assert.Equal("teams", (string)revision["author"]!);
        Assert.Equal($"Tom Tester ({ChatopsService.TeamsOperator})", (string)revision["onBehalfOf"]!);
        Assert.Equal("before the audit", (string)revision["reason"]!);
        await service.WaitForStateAsync(1, "Committed");
    }

    [Fact]
    public async Task Teams_HMAC_headers_are_not_mistaken_for_failed_API_keys()
    {
        // Teams sends "Authorization: HMAC …". Were that checked as an API key, every message would
        // count as a failed guess, and the address would soon be locked out for real keys too.
        using var service = new ChatopsService(new() { ["ControlApi:Security:FailedAuthentication:PerAddress"] = "3" });
        const string address = "203.0.113.7";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++) statuses.Add((await service.TeamsAsync("<at>ControlApi</at> status", from: address)).StatusCode);
        var read = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clusters/local");
        read.Headers.Add(ControlApiFactory.RemoteAddressHeader, address);
        read.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", service.Factory.KeyFor(ControlApi.Security.Role.Viewer));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.OK, (await service.Client.SendAsync(read)).StatusCode);
    }

    [Fact]
    public async Task A_Teams_user_without_a_role_reads_but_cannot_change()
    {
        using var service = new ChatopsService();

        var change = await (await service.TeamsAsync("<at>ControlApi</at> enable bgp", aadObjectId: "00000000-0000-0000-0000-000000000001")).ReadJsonAsync();
        var read = await (await service.TeamsAsync("<at>ControlApi</at> status", aadObjectId: "00000000-0000-0000-0000-000000000001")).ReadJsonAsync();

        Assert.Contains("`enable` needs the operator role", (string)change["text"]!);
        Assert.Contains("has no revisions yet", (string)read["text"]!);
        Assert.Single(await service.AuditAsync(), e => e.Kind == "auth.denied");
    }

    [Fact]
    public async Task A_Teams_request_with_a_wrong_or_missing_HMAC_is_refused_and_audited()
    {
        using var service = new ChatopsService();
        var otherKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("a different security token......"));

        var wrongKey = await service.TeamsAsync("<at>ControlApi</at> enable bgp", ChatSigning.Teams(otherKey, "{}"));
        var notBase64 = await service.TeamsAsync("<at>ControlApi</at> enable bgp", "HMAC not-base64!");
        var otherScheme = await service.TeamsAsync("<at>ControlApi</at> enable bgp", "Bearer abc");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, notBase64.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherScheme.StatusCode);
        Assert.Equal(3, (await service.AuditAsync()).Count(e => e.Kind == "auth.denied" && e.Actor == "teams"));
        Assert.Equal(0, await service.CurrentRevisionAsync());
    }

    [Fact]
    public async Task A_stale_or_replayed_Teams_activity_is_refused_and_audited_even_with_a_valid_HMAC()
    {
        using var service = new ChatopsService();
        var stale = ChatopsService.TeamsActivity("<at>ControlApi</at> enable bgp", timestamp: DateTimeOffset.UtcNow.AddMinutes(-6));
        var undated = ChatopsService.TeamsActivity("<at>ControlApi</at> enable bgp").Replace("\"timestamp\"", "\"sentAt\"", StringComparison.Ordinal);
        var fresh = ChatopsService.TeamsActivity("<at>ControlApi</at> enable host-firewall");

        var staleAnswer = await service.SendTeamsAsync(stale);
        var undatedAnswer = await service.SendTeamsAsync(undated);
        var first = await service.SendTeamsAsync(fresh);
        var replay = await service.SendTeamsAsync(fresh);

        Assert.Equal(HttpStatusCode.Unauthorized, staleAnswer.StatusCode);
        Assert.Contains("too far from now", (string)(await staleAnswer.ReadJsonAsync())["detail"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, undatedAnswer.StatusCode);
        Assert.Contains("timestamp is missing", (string)(await undatedAnswer.ReadJsonAsync())["detail"]!);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already received", (string)(await replay.ReadJsonAsync())["detail"]!);
        Assert.Equal(3, (await service.AuditAsync()).Count(e => e.Kind == "auth.denied" && e.Actor == "teams"));
        Assert.Equal(1, await service.CurrentRevisionAsync());
    }

    [Fact]
    public void The_Teams_check_matches_an_HMAC_computed_by_the_documented_algorithm()
    {
        var token = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray());
        const string body = """{"type":"message","text":"<at>ControlApi</at> status"}""";
        var verifier = new TeamsSignatureVerifier(Options.Create(new ChatopsOptions { Teams = { SecurityToken = token } }), TimeProvider.System);

        Assert.Equal(RequestCheck.Valid, verifier.Verify(ChatSigning.Teams(token, body), Encoding.UTF8.GetBytes(body)));
        Assert.Equal(RequestCheck.BadSignature, verifier.Verify(ChatSigning.Teams(token, body), Encoding.UTF8.GetBytes(body + " ")));
    }

    [Fact]
    public async Task No_signing_secret_token_or_response_url_ever_reaches_the_logs()
    {
        using var capture = new LogCapture();
        await using var receiver = await ResponseUrlReceiver.StartAsync();
        var secretFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(secretFile, ChatopsService.SlackSecret + "\n");
        try
        {
            using var service = new ChatopsService(new()
            {
                ["Logging:LogLevel:Default"] = "Debug",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Debug",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
                ["Logging:LogLevel:Hangfire"] = "Debug",
                ["ControlApi:Chatops:Slack:SigningSecret"] = null,
                ["ControlApi:Chatops:Slack:SigningSecretFile"] = secretFile,
            }, capture.Register);

            await service.SlackReplyAsync("enable encryption", responseUrl: receiver.ResponseUrl);
            await service.SlackAsync("enable bgp", secret: "wrong");
            await service.SlackAsync("enable bgp", timestamp: 1);
            await service.MattermostAsync("status");
            await service.MattermostAsync("status", "wrong-token");
            await service.TeamsAsync("<at>ControlApi</at> status");
            await service.TeamsAsync("<at>ControlApi</at> status", "HMAC AAAA");
            await receiver.NextAsync();
        }
        finally
        {
            File.Delete(secretFile);
        }

        var logs = capture.AllText;
        Assert.Contains("Refused a slack request", logs); // the capture works: refusals are logged…
        Assert.DoesNotContain(ChatopsService.SlackSecret, logs); // …without any secret
        Assert.DoesNotContain(ChatopsService.MattermostToken, logs);
        Assert.DoesNotContain(ChatopsService.TeamsToken, logs);
        Assert.DoesNotContain("96rGlfmibIGlgcZRskXaIFfN", logs); // the response_url is a credential too
    }
}
